/* template.c - unit tests of src/core/messaging/template.c: checking and rendering {{variables}} */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/messaging/template.h"

static const char *const allowed[] = {"patient.first_name", "clinic.name",
                                      "appointment.start_local", NULL};

static json_t *
context(void)
{
    return json_pack("{s:{s:s}, s:{s:s, s:i, s:n}, s:s}", "patient", "first_name", "Ann <b>&\"'",
                     "clinic", "name", "Riverside", "rooms", 3, "phone", "top",
                     "{{patient.first_name}}");
}

/* Renders text with the sample context; the result (owned by the arena). */
static const char *
render(crm_arena_t *a, const char *text, bool html, int expect_rc)
{
    crm_buf_t out;
    crm_buf_init(&out, a, 16);
    crm_buf_puts(&out, "[");
    json_t *ctx = context();
    crm_template_error err;
    assert_int_equal(crm_template_render(text, strlen(text), ctx, html, &out, &err), expect_rc);
    json_decref(ctx);
    return out.data;
}

static void
test_render_substitutes(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(1024);
    assert_string_equal(render(a, "Hi {{patient.first_name}}, {{ clinic.name }}.", false, 0),
                        "[Hi Ann <b>&\"', Riverside.");
    assert_string_equal(render(a, "Hi {{patient.first_name}}", true, 0),
                        "[Hi Ann &lt;b&gt;&amp;&quot;&#39;");
    /* numbers as JSON text; null, missing and objects as nothing */
    assert_string_equal(render(a, "{{clinic.rooms}}|{{clinic.phone}}|{{x.y}}|{{clinic}}", false, 0),
                        "[3|||");
    /* a value is never read as a template: no recursion */
    assert_string_equal(render(a, "{{top}}", false, 0), "[{{patient.first_name}}");
    assert_string_equal(render(a, "no variables { } }} {", false, 0), "[no variables { } }} {");
    assert_string_equal(render(a, "", false, 0), "[");
    /* a syntax error leaves nothing behind */
    assert_string_equal(render(a, "a {{patient.first_name", false, -1), "[");
    crm_arena_destroy(a);
}

static void
collect(const char *name, void *ctx)
{
    char *list = ctx;
    strcat(list, name);
    strcat(list, ";");
}

static int
check(const char *text, char *unknown, crm_template_error *err)
{
    unknown[0] = '\0';
    return crm_template_check(text, strlen(text), allowed, collect, unknown, err);
}

static void
test_check_names_unknown_variables(void **state)
{
    (void)state;
    char unknown[256];
    crm_template_error err;
    assert_int_equal(check("{{patient.first_name}} at {{clinic.name}}", unknown, &err), 0);
    assert_int_equal(check("{{patient.last_name}} {{nope}} {{patient.last_name}} {{clinic.name}}",
                           unknown, &err),
                     2);
    assert_string_equal(unknown, "patient.last_name;nope;");
    assert_string_equal(err.name, "patient.last_name");
    assert_int_equal(err.offset, 0);
    assert_string_equal(err.message, "unknown variable {{patient.last_name}}");
}

static void
test_check_refuses_bad_syntax(void **state)
{
    (void)state;
    char unknown[256];
    crm_template_error err;
    const char *bad[] = {"{{}}",
                         "{{ }}",
                         "x {{patient.}}",
                         "{{patient.first_name",
                         "{{patient.first_name}",
                         "{{Patient}}",
                         "{{a b}}",
                         "{{.a}}",
                         "{{#if x}}",
                         "{{a..b}}",
                         "end {{"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(check(bad[i], unknown, &err), -1);
        assert_string_equal(err.name, "");
        assert_non_null(strstr(err.message, "(at byte"));
    }
    assert_int_equal(check("x {{patient.}}", unknown, &err), -1);
    assert_int_equal(err.offset, 2);
    char longname[80];
    memset(longname, 'a', sizeof longname);
    memcpy(longname, "{{", 2);
    memcpy(longname + 76, "}}", 3);
    assert_int_equal(check(longname, unknown, &err), -1);
    assert_non_null(strstr(err.message, "longer than 64"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_substitutes),
        cmocka_unit_test(test_check_names_unknown_variables),
        cmocka_unit_test(test_check_refuses_bad_syntax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
