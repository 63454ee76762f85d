/* messages.c - unit tests of src/modules/clinic/messages.c: the clinic's kinds of message, their
 * default wording and samples */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/messaging/sms_segments.h"
#include "core/messaging/template.h"
#include "core/module.h"

static const char *const kinds[] = {"appointment.reminder", "appointment.booked",
                                    "appointment.rescheduled", "appointment.cancelled",
                                    "practitioner.booking_notice"};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const crm_message_kind_t *
kind(const char *name)
{
    const crm_message_kind_t *k = crm_message_kind_find(name);
    assert_non_null(k);
    return k;
}

static void
no_unknown(const char *name, void *ctx)
{
    (void)ctx;
    fail_msg("unknown variable %s", name);
}

static void
test_every_default_uses_only_its_variables(void **state)
{
    (void)state;
    for (size_t i = 0; i < NKINDS; i++) {
        const crm_message_kind_t *k = kind(kinds[i]);
        const char *texts[] = {k->sms, k->email_subject, k->email_text, k->email_html};
        for (size_t j = 0; j < 4; j++) {
            crm_template_error err;
            if (texts[j])
                assert_int_equal(crm_template_check(texts[j], strlen(texts[j]), k->variables,
                                                    no_unknown, NULL, &err),
                                 0);
        }
        /* an email needs all three parts */
        assert_true(!k->email_subject == !k->email_text && !k->email_text == !k->email_html);
        /* never a clinical field: not the appointment's reason, notes or cancellation reason */
        for (const char *const *v = k->variables; *v; v++)
            assert_null(strstr(*v, "reason") ? *v : strstr(*v, "notes"));
    }
}

/* Renders text with context into a (NUL-terminated) buffer. */
static const char *
render(crm_arena_t *a, const char *text, const json_t *ctx, bool html)
{
    crm_buf_t out;
    crm_buf_init(&out, a, 256);
    crm_template_error err;
    assert_int_equal(crm_template_render(text, strlen(text), ctx, html, &out, &err), 0);
    return out.data;
}

/* The sample with longer names than most: a long first name, a practitioner with a double
 * name, a long clinic name and the longest dates English has. */
static json_t *
long_names(const char *sample)
{
    json_t *ctx = json_loads(sample, 0, NULL);
    assert_non_null(ctx);
    json_t *p = json_object_get(ctx, "patient"), *ap = json_object_get(ctx, "appointment"),
           *pr = json_object_get(ctx, "practitioner"), *c = json_object_get(ctx, "clinic");
    json_object_set_new(p, "first_name", json_string("Christopher"));
    json_object_set_new(ap, "start_local", json_string("Wednesday 30 September at 14:30"));
    if (json_object_get(ap, "previous_start_local"))
        json_object_set_new(ap, "previous_start_local",
                            json_string("Wednesday 23 September at 09:15"));
    json_object_set_new(pr, "name", json_string("Dr Amelia Hart-Jones"));
    if (json_object_get(pr, "previous_name"))
        json_object_set_new(pr, "previous_name", json_string("Dr Samuel Okafor"));
    json_object_set_new(c, "name", json_string("Riverside Health Centre"));
    return ctx;
}

static void
test_sms_defaults_fit_two_gsm7_segments(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(4096);
    for (size_t i = 0; i < NKINDS; i++) {
        const crm_message_kind_t *k = kind(kinds[i]);
        if (!k->sms)
            continue;
        json_t *sample = json_loads(k->sample, 0, NULL), *longer = long_names(k->sample);
        const json_t *ctxs[] = {sample, longer};
        for (size_t j = 0; j < 2; j++) {
            const char *sms = render(a, k->sms, ctxs[j], false);
            crm_sms_length len;
            assert_int_equal(crm_sms_measure(sms, strlen(sms), &len), 0);
            if (len.encoding != CRM_SMS_GSM7 || len.segments > 2)
                fail_msg("%s: %zu segments (%s): %s", k->name, len.segments,
                         crm_sms_encoding_name(len.encoding), sms);
            assert_null(strstr(sms, "{{"));
        }
        json_decref(sample);
        json_decref(longer);
    }
    crm_arena_destroy(a);
}

static void
test_samples_render_every_variable(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(4096);
    for (size_t i = 0; i < NKINDS; i++) {
        const crm_message_kind_t *k = kind(kinds[i]);
        json_t *sample = json_loads(k->sample, 0, NULL);
        assert_true(json_is_object(sample));
        for (const char *const *v = k->variables; *v; v++) {
            const char *text = crm_arena_sprintf(a, "{{%s}}", *v);
            if (!*render(a, text, sample, false))
                fail_msg("%s: the sample has no %s", k->name, *v);
        }
        json_decref(sample);
    }
    crm_arena_destroy(a);
}

static void
test_notices_carry_invitations(void **state)
{
    (void)state;
    const char *expect[][2] = {{"appointment.reminder", NULL},
                               {"appointment.booked", "REQUEST"},
                               {"appointment.rescheduled", "REQUEST"},
                               {"appointment.cancelled", "CANCEL"},
                               {"practitioner.booking_notice", NULL}};
    for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
        const crm_message_kind_t *k = kind(expect[i][0]);
        if (!expect[i][1]) {
            assert_null(k->invitation);
            continue;
        }
        json_t *sample = json_loads(k->sample, 0, NULL);
        char *ics;
        const char *method;
        assert_int_equal(k->invitation(sample, &ics, &method), 0);
        assert_string_equal(method, expect[i][1]);
        assert_non_null(strstr(ics, expect[i][1]));
        free(ics);
        json_decref(sample);
    }
}

static void
test_the_practitioners_notice_is_opt_in_and_email_only(void **state)
{
    (void)state;
    const crm_message_kind_t *k = kind("practitioner.booking_notice");
    assert_true(k->off_by_default);
    assert_null(k->sms);
    assert_non_null(k->email_text);
    for (size_t i = 0; i < NKINDS - 1; i++)
        assert_false(kind(kinds[i])->off_by_default);
    /* staff see the patient as the calendar feed names them, never by their parts */
    for (const char *const *v = k->variables; *v; v++)
        assert_true(strncmp(*v, "patient.", 8) != 0 || strcmp(*v, "patient.name") == 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_default_uses_only_its_variables),
        cmocka_unit_test(test_sms_defaults_fit_two_gsm7_segments),
        cmocka_unit_test(test_samples_render_every_variable),
        cmocka_unit_test(test_notices_carry_invitations),
        cmocka_unit_test(test_the_practitioners_notice_is_opt_in_and_email_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
