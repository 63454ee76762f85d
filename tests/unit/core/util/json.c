/* json.c - unit tests of src/core/json.c: UTF-8 validation and body parsing */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/util/json.h"

static void
test_utf8(void **state)
{
    (void)state;
    const char *good[] = {"",
                          "plain",
                          "caf\xc3\xa9",
                          "\xe2\x82\xac",
                          "\xf0\x9f\x98\x80",
                          "\xef\xbf\xbf",
                          "\xf4\x8f\xbf\xbf"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(crm_utf8_check(good[i], strlen(good[i])) == CRM_UTF8_VALID);
    const struct {
        const char *s;
        size_t bad;
    } bad[] = {
        {"ab\xff", 2},           /* never valid */
        {"\xc0\xaf", 0},         /* overlong slash */
        {"x\xe0\x80\xaf", 1},    /* overlong, 3 bytes */
        {"\xed\xa0\x80", 0},     /* surrogate */
        {"\xf4\x90\x80\x80", 0}, /* above U+10FFFF */
        {"ok\xc3", 2},           /* truncated */
        {"\xe2\x82", 0},         /* truncated */
        {"\x80", 0},             /* lone continuation */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(crm_utf8_check(bad[i].s, strlen(bad[i].s)), bad[i].bad);
}

static void
test_parse_reports_position(void **state)
{
    (void)state;
    crm_json_error_t e;
    json_t *v = crm_json_parse("{\"a\": 1,\n \"b\": }", 16, &e);
    assert_null(v);
    assert_int_equal(e.line, 2);
    assert_true(e.position > 8);
    v = crm_json_parse("{\"a\":1,\"a\":2}", 13, &e);
    assert_null(v); /* duplicate keys are refused */
    v = crm_json_parse("{\"n\":\"\xff\"}", 9, &e);
    assert_null(v);
    assert_int_equal(e.position, 6);
    assert_non_null(strstr(e.message, "UTF-8"));
    v = crm_json_parse("{\"ok\":[1,2]}", 12, &e);
    assert_non_null(v);
    json_decref(v);
}

static void
test_messages_are_utf8(void **state)
{
    (void)state;
    crm_json_error_t e;
    /* jansson quotes the input near the fault: here the first byte of U+040F only */
    const char body[] = "\"\\\xd0\x8f";
    json_t *v = crm_json_parse(body, sizeof(body) - 1, &e);
    assert_null(v);
    assert_non_null(strstr(e.message, "invalid escape"));
    assert_true(crm_utf8_check(e.message, strlen(e.message)) == CRM_UTF8_VALID);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_parse_reports_position),
        cmocka_unit_test(test_messages_are_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
