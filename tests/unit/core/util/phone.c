/* phone.c - unit tests of src/core/util/phone.c: international and national numbers, trunk
 * prefixes, separators, length bounds and what is refused */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/util/phone.h"

typedef struct {
    const char *input;
    const char *country;
    const char *e164;
} phone_case_t;

static void
check(const phone_case_t *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char out[CRM_PHONE_MAX];
        if (!crm_phone_e164(cases[i].input, cases[i].country, out))
            fail_msg("refused \"%s\" (%s)", cases[i].input,
                     cases[i].country ? cases[i].country : "no country");
        if (strcmp(out, cases[i].e164) != 0)
            fail_msg("\"%s\" (%s) gave %s, not %s", cases[i].input,
                     cases[i].country ? cases[i].country : "no country", out, cases[i].e164);
        char again[CRM_PHONE_MAX]; /* a result normalises to itself, whatever the country */
        assert_true(crm_phone_e164(out, "US", again));
        assert_string_equal(again, out);
    }
}

static void
refused(const char *const *inputs, size_t n, const char *country)
{
    for (size_t i = 0; i < n; i++) {
        char out[CRM_PHONE_MAX] = "untouched";
        if (crm_phone_e164(inputs[i], country, out))
            fail_msg("accepted \"%s\" (%s) as %s", inputs[i], country ? country : "no country",
                     out);
    }
}

static void
test_international_numbers(void **state)
{
    (void)state;
    static const phone_case_t cases[] = {
        {"+44 20 7946 0958", NULL, "+442079460958"},
        {"+442079460958", NULL, "+442079460958"},
        {"  +44 20 7946 0958", NULL, "+442079460958"},
        {"+1 (415) 555-2671", NULL, "+14155552671"},
        {"+33 1.23.45.67.89", NULL, "+33123456789"},
        {"+49 30/1234567", "GB", "+49301234567"}, /* the country is only for national ones */
        {"0044 20 7946 0958", NULL, "+442079460958"},
        {"00 49 30 1234567", "US", "+49301234567"},
    };
    check(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_bracketed_trunk_after_the_country_code_is_dropped(void **state)
{
    (void)state;
    /* "+44 (0)20 ...": the trunk prefix shown for callers at home, not dialled from abroad */
    static const phone_case_t cases[] = {
        {"+44 (0)20 7946 0958", NULL, "+442079460958"},
        {"+44(0)2079460958", "GB", "+442079460958"},
        {"+49 (0) 30 1234567", NULL, "+49301234567"},
        {"0041 (0)44 668 18 00", NULL, "+41446681800"},
        {"(0)20 7946 0958", "GB", "+442079460958"},     /* national: the trunk goes anyway */
        {"+44 20 (0) 7946 095", NULL, "+442007946095"}, /* not after the code: a digit */
    };
    check(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_national_numbers_take_the_country(void **state)
{
    (void)state;
    static const phone_case_t cases[] = {
        {"020 7946 0958", "GB", "+442079460958"},
        {"(020) 7946 0958", "GB", "+442079460958"},
        {"07700 900123", "GB", "+447700900123"},
        {"(212) 555-0100", "US", "+12125550100"},
        {"1 212 555 0100", "US", "+12125550100"}, /* the trunk 1 dropped */
        {"416-555-0199", "CA", "+14165550199"},
        {"030 1234567", "DE", "+49301234567"},
        {"01 23 45 67 89", "FR", "+33123456789"},
        {"06 1 234 5678", "HU", "+3612345678"},  /* a two-digit trunk */
        {"8 612 34567", "LT", "+37061234567"},   /* a trunk that is not 0 */
        {"06 1234 5678", "IT", "+390612345678"}, /* no trunk: the 0 belongs to the number */
        {"912 345 678", "ES", "+34912345678"},
        {"6123 4567", "SG", "+6561234567"},
    };
    check(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_trunk_kept_when_too_little_follows(void **state)
{
    (void)state;
    /* the trunk is dropped only when more than six digits follow it */
    char out[CRM_PHONE_MAX];
    assert_true(crm_phone_e164("0 1234567", "GB", out));
    assert_string_equal(out, "+441234567");
    assert_true(crm_phone_e164("0 123456", "GB", out));
    assert_string_equal(out, "+440123456");
}

static void
test_length_bounds(void **state)
{
    (void)state;
    char out[CRM_PHONE_MAX];
    assert_true(crm_phone_e164("+12345678", NULL, out)); /* 8 digits: the fewest */
    assert_string_equal(out, "+12345678");
    assert_true(crm_phone_e164("+123456789012345", NULL, out)); /* 15: the most */
    assert_string_equal(out, "+123456789012345");
    assert_int_equal(strlen(out), CRM_PHONE_MAX - 1);
    static const char *const bad[] = {
        "+1234567",  "+1234567890123456",
        "001234567", "+12345678901234567890123456789012345678", /* longer than the digit buffer */
        "12",
    };
    refused(bad, sizeof(bad) / sizeof(bad[0]), "GB");
    /* a national number whose country code makes it too long */
    assert_false(crm_phone_e164("0123 4567 8901 234", "GB", out));
}

static void
test_what_cannot_be_a_number(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        " ",
        "+",
        "()-./",
        "call me",
        "+44 20 CALL NOW",
        "+44 20 7946 0958 ext 12",
        "+44 20 7946 0958#",
        "+44\t20 7946 0958",
        "+44 +20 7946 0958",
        "44+2079460958",
        "+0442079460958",
        "0000 1234 5678",
        "+44_20_7946_0958",
        "\xef\xbc\x94\xef\xbc\x94 20 7946 0958", /* full-width digits */
    };
    refused(bad, sizeof(bad) / sizeof(bad[0]), "GB");
}

static void
test_national_numbers_need_a_known_country(void **state)
{
    (void)state;
    static const char *const national[] = {"020 7946 0958"};
    refused(national, 1, NULL);
    refused(national, 1, "");
    refused(national, 1, "XX");
    refused(national, 1, "gb"); /* ISO 3166 codes are upper case */
    refused(national, 1, "GBR");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_international_numbers),
        cmocka_unit_test(test_bracketed_trunk_after_the_country_code_is_dropped),
        cmocka_unit_test(test_national_numbers_take_the_country),
        cmocka_unit_test(test_trunk_kept_when_too_little_follows),
        cmocka_unit_test(test_length_bounds),
        cmocka_unit_test(test_what_cannot_be_a_number),
        cmocka_unit_test(test_national_numbers_need_a_known_country),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
