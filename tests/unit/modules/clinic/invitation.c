/* invitation.c - unit tests of src/modules/clinic/invitation.c: the iCalendar invitations of
 * appointment notices */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/messaging/email_message.h"
#include "modules/clinic/invitation.h"

/* A context as messages.sql gives it to an email notice. */
static json_t *
context(void)
{
    return json_pack("{s:s, s:{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}", "to",
                     "ann.smith@example.org", "invitation", "uid",
                     "6f1c2d3e-0000-4000-8000-00000000a001@crm", "sequence", 3, "stamp",
                     "20261201T090000Z", "start", "20261208T143000Z", "end", "20261208T150000Z",
                     "summary", "Appointment with Dr Jane Doe, Riverside Clinic", "location",
                     "Room 2; East wing", "organizer", "desk@riverside.example", "organizer_name",
                     "Riverside \"Family\" Clinic", "attendee", "ann.smith@example.org",
                     "attendee_name", "Ann Smith");
}

static void
set(json_t *ctx, const char *key, json_t *value)
{
    json_object_set_new(json_object_get(ctx, "invitation"), key, value);
}

/* Every line ends in CRLF and holds at most 75 octets (RFC 5545 3.1). */
static void
assert_lines(const char *ics)
{
    for (const char *p = ics; *p;) {
        const char *eol = strstr(p, "\r\n");
        assert_non_null(eol);
        assert_true(eol - p <= 75);
        assert_null(memchr(p, '\n', (size_t)(eol - p)));
        p = eol + 2;
    }
}

static void
test_a_booking_is_a_request(void **state)
{
    (void)state;
    json_t *ctx = context();
    char *ics;
    const char *method = NULL;
    assert_int_equal(clinic_invitation_request(ctx, &ics, &method), 0);
    assert_string_equal(method, "REQUEST");
    assert_lines(ics);
    assert_true(strncmp(ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 30) == 0);
    assert_non_null(strstr(ics, "\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"));
    assert_non_null(strstr(ics, "\r\nUID:6f1c2d3e-0000-4000-8000-00000000a001@crm\r\n"));
    assert_non_null(strstr(ics, "\r\nSEQUENCE:3\r\n"));
    assert_non_null(strstr(ics, "\r\nDTSTAMP:20261201T090000Z\r\n"));
    assert_non_null(strstr(ics, "\r\nDTSTART:20261208T143000Z\r\nDTEND:20261208T150000Z\r\n"));
    /* TEXT is escaped; the CN loses its quotes, which a quoted-string cannot hold */
    assert_non_null(
        strstr(ics, "\r\nSUMMARY:Appointment with Dr Jane Doe\\, Riverside Clinic\r\n"));
    assert_non_null(strstr(ics, "\r\nLOCATION:Room 2\\; East wing\r\n"));
    assert_non_null(strstr(
        ics, "\r\nORGANIZER;CN=\"Riverside Family Clinic\":mailto:desk@riverside.example\r\n"));
    assert_non_null(
        strstr(ics, "\r\nATTENDEE;CN=\"Ann Smith\";ROLE=REQ-PARTICIPANT;RSVP=FALSE:ma"));
    assert_non_null(strstr(ics, "\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"));
    assert_null(strstr(ics, "CANCEL"));
    free(ics);
    json_decref(ctx);
}

static void
test_a_cancellation_is_a_cancel_of_the_same_event(void **state)
{
    (void)state;
    json_t *ctx = context();
    char *ics;
    const char *method = NULL;
    assert_int_equal(clinic_invitation_cancel(ctx, &ics, &method), 0);
    assert_string_equal(method, "CANCEL");
    assert_lines(ics);
    assert_non_null(strstr(ics, "\r\nMETHOD:CANCEL\r\n"));
    assert_non_null(strstr(ics, "\r\nUID:6f1c2d3e-0000-4000-8000-00000000a001@crm\r\n"));
    assert_non_null(strstr(ics, "\r\nSEQUENCE:3\r\n"));
    assert_non_null(strstr(ics, "\r\nSTATUS:CANCELLED\r\n"));
    assert_null(strstr(ics, "REQUEST"));
    free(ics);
    json_decref(ctx);
}

static void
test_hostile_values_stay_inside_their_lines(void **state)
{
    (void)state;
    json_t *ctx = context();
    set(ctx, "summary", json_string("Appointment\r\nATTENDEE:mailto:x@evil.example\\"));
    set(ctx, "organizer_name", json_string("Clinic\r\nX-EVIL:1"));
    set(ctx, "attendee", json_string("ann@example.org\r\nX-EVIL:1"));
    char *ics;
    const char *method;
    assert_int_equal(clinic_invitation_request(ctx, &ics, &method), 0);
    assert_lines(ics);
    assert_non_null(
        strstr(ics, "\r\nSUMMARY:Appointment\\nATTENDEE:mailto:x@evil.example\\\\\r\n"));
    assert_non_null(strstr(ics, "\r\nORGANIZER;CN=\"ClinicX-EVIL:1\":mailto:"));
    assert_null(strstr(ics, "\r\nX-EVIL"));
    assert_null(strstr(ics, "\r\nATTENDEE")); /* not a plain address: left out */
    free(ics);
    json_decref(ctx);
}

static void
test_long_values_are_folded(void **state)
{
    (void)state;
    json_t *ctx = context();
    set(ctx, "summary",
        json_string("Appointment with Dr Zoë Ångström-Øverli, Riverside Family "
                    "Health Centre and Physiotherapy Practice, London"));
    char *ics;
    const char *method;
    assert_int_equal(clinic_invitation_request(ctx, &ics, &method), 0);
    assert_lines(ics);
    assert_non_null(strstr(ics, "\r\n ")); /* a continuation line */
    free(ics);
    json_decref(ctx);
}

static void
test_without_an_organizer_there_is_none(void **state)
{
    (void)state;
    json_t *ctx = context();
    set(ctx, "organizer", json_null());
    char *ics;
    const char *method;
    assert_int_equal(clinic_invitation_request(ctx, &ics, &method), 0);
    assert_null(strstr(ics, "ORGANIZER"));
    free(ics);
    set(ctx, "organizer", json_string("not an address"));
    assert_int_equal(clinic_invitation_request(ctx, &ics, &method), 0);
    assert_null(strstr(ics, "ORGANIZER"));
    free(ics);
    json_decref(ctx);
}

static void
test_no_invitation_without_its_fields(void **state)
{
    (void)state;
    char *ics = (char *)"untouched";
    const char *method;
    json_t *ctx = json_pack("{s:s}", "to", "ann@example.org");
    assert_int_equal(clinic_invitation_request(ctx, &ics, &method), -1);
    assert_null(ics);
    json_decref(ctx);
    const char *keys[] = {"uid", "stamp", "start", "end", "summary", "sequence"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        ctx = context();
        set(ctx, keys[i], json_null());
        assert_int_equal(clinic_invitation_cancel(ctx, &ics, &method), -1);
        assert_null(ics);
        json_decref(ctx);
    }
    ctx = context();
    set(ctx, "start", json_string("2026-12-08 14:30"));
    assert_int_equal(clinic_invitation_request(ctx, &ics, &method), -1);
    set(ctx, "start", json_string("20261208T143000Z"));
    set(ctx, "sequence", json_integer(-1));
    assert_int_equal(clinic_invitation_request(ctx, &ics, &method), -1);
    json_decref(ctx);
}

/* The email composer takes it: a VCALENDAR whose METHOD is the one it names. */
static void
test_the_email_composer_takes_it(void **state)
{
    (void)state;
    json_t *ctx = context();
    char *ics;
    const char *method;
    assert_int_equal(clinic_invitation_cancel(ctx, &ics, &method), 0);
    crm_email m = {.from_addr = "noreply@clinic.example",
                   .to = "ann.smith@example.org",
                   .subject = "Appointment cancelled",
                   .text = "Your appointment has been cancelled.",
                   .ics = ics,
                   .ics_method = method};
    crm_email_composed out;
    char err[256] = "";
    assert_int_equal(crm_email_compose(&m, 1796000000, &out, err, sizeof(err)), 0);
    assert_non_null(strstr(out.data, "Content-Type: text/calendar; method=CANCEL"));
    crm_email_composed_free(&out);
    m.ics_method = "REQUEST"; /* the wrong method for this text is refused */
    assert_int_equal(crm_email_compose(&m, 1796000000, &out, err, sizeof(err)), -1);
    free(ics);
    json_decref(ctx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_booking_is_a_request),
        cmocka_unit_test(test_a_cancellation_is_a_cancel_of_the_same_event),
        cmocka_unit_test(test_hostile_values_stay_inside_their_lines),
        cmocka_unit_test(test_long_values_are_folded),
        cmocka_unit_test(test_without_an_organizer_there_is_none),
        cmocka_unit_test(test_no_invitation_without_its_fields),
        cmocka_unit_test(test_the_email_composer_takes_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
