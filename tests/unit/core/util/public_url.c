/* public_url.c - unit tests of src/core/public_url.c: checking, defaults, joining */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/util/public_url.h"

static void
test_check(void **state)
{
    (void)state;
    char why[160];
    const char *good[] = {
        "https://crm.example.com", "http://crm.example.com/",   "HTTPS://Crm.Example.com:8443",
        "http://127.0.0.1:8080",   "https://[2001:db8::1]:443", "http://[::1]",
        "https://localhost"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(crm_public_url_check(good[i], why, sizeof(why)), 0);
    const char *bad[] = {"crm.example.com",
                         "ftp://crm.example.com",
                         "https://",
                         "https:///x",
                         "https://crm.example.com/app",
                         "https://crm.example.com?x=1",
                         "https://crm.example.com#top",
                         "https://user@crm.example.com",
                         "https://crm.example.com:",
                         "https://crm.example.com:0",
                         "https://crm.example.com:65536",
                         "https://crm.example.com:80x",
                         "https://crm..example.com",
                         "https://-crm.example.com",
                         "https://[::1",
                         "https://[nope]",
                         "https://crm.example.com//",
                         "https://cr m.example.com"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        assert_int_equal(crm_public_url_check(bad[i], why, sizeof(why)), -1);
        assert_true(why[0] != '\0');
    }
}

static void
test_set_and_join(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(256);
    crm_public_url_set("HTTPS://crm.example.com/");
    assert_string_equal(crm_public_url(), "https://crm.example.com");
    assert_true(crm_public_url_https());
    assert_string_equal(crm_public_url_to(a, "/fhir/R4/"), "https://crm.example.com/fhir/R4/");
    crm_public_url_set_default("0.0.0.0", false, 8080);
    assert_string_equal(crm_public_url(), "http://127.0.0.1:8080");
    assert_false(crm_public_url_https());
    crm_public_url_set_default("::", true, 81);
    assert_string_equal(crm_public_url(), "http://[::1]:81");
    crm_public_url_set_default("192.0.2.4", false, 9000);
    assert_string_equal(crm_public_url(), "http://192.0.2.4:9000");
    crm_arena_destroy(a);
}

/* Only plain http on a loopback name or address counts as local (cookies without Secure). */
static void
test_local_http(void **state)
{
    (void)state;
    const char *local[] = {"http://127.0.0.1:8080", "http://localhost", "http://LocalHost:5173/",
                           "http://[::1]:81"};
    for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
        crm_public_url_set(local[i]);
        assert_true(crm_public_url_local_http());
    }
    const char *other[] = {"https://127.0.0.1:8443", "https://localhost",
                           "http://192.0.2.4:9000",  "http://localhost.example.com",
                           "http://127.0.0.10:8080", "http://crm.example.com"};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        crm_public_url_set(other[i]);
        assert_false(crm_public_url_local_http());
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_set_and_join),
        cmocka_unit_test(test_local_http),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
