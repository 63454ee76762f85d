/* forwarded.c - unit tests of src/core/forwarded.c: the client behind trusted proxies */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/http/forwarded.h"

static crm_cidr_list_t trusted;

static int
setup(void **state)
{
    (void)state;
    char why[160];
    return crm_cidr_list_parse("10.0.0.0/8,fd00::/8", &trusted, why, sizeof(why));
}

static crm_forwarded_t
resolve(const char *peer, const char *xff, const char *xfp)
{
    crm_forwarded_t f;
    crm_forwarded_resolve(&trusted, peer, xff, xfp, &f);
    return f;
}

static void
test_untrusted_peers_are_believed_about_nothing(void **state)
{
    (void)state;
    crm_forwarded_t f = resolve("203.0.113.5", "198.51.100.1", "https");
    assert_string_equal(f.client_ip, "203.0.113.5");
    assert_false(f.https);
    assert_false(f.proxied);
    crm_cidr_list_t none = {0};
    crm_forwarded_resolve(&none, "10.0.0.1", "198.51.100.1", "https", &f);
    assert_string_equal(f.client_ip, "10.0.0.1");
    assert_false(f.https);
    assert_string_equal(resolve("::ffff:203.0.113.5", NULL, NULL).client_ip, "203.0.113.5");
}

static void
test_the_rightmost_untrusted_entry_is_the_client(void **state)
{
    (void)state;
    crm_forwarded_t f = resolve("10.0.0.1", "198.51.100.1", "https");
    assert_string_equal(f.client_ip, "198.51.100.1");
    assert_true(f.https && f.proxied);
    /* a client's own entries left of the proxy's are anyone's words */
    f = resolve("10.0.0.1", "1.1.1.1, 2.2.2.2,198.51.100.1", NULL);
    assert_string_equal(f.client_ip, "198.51.100.1");
    assert_false(f.https);
    /* chains of trusted proxies are walked through */
    f = resolve("10.0.0.1", "1.1.1.1, 198.51.100.1, 10.9.9.9, fd00::7", "http");
    assert_string_equal(f.client_ip, "198.51.100.1");
    assert_false(f.https);
    /* every entry trusted: the leftmost */
    assert_string_equal(resolve("10.0.0.1", "10.1.1.1, 10.2.2.2", NULL).client_ip, "10.1.1.1");
    /* ports and brackets as some proxies write them */
    assert_string_equal(resolve("10.0.0.1", "198.51.100.1:4711", NULL).client_ip, "198.51.100.1");
    assert_string_equal(resolve("10.0.0.1", "[2001:db8::5]:4711", NULL).client_ip, "2001:db8::5");
    assert_string_equal(resolve("fd00::1", "2001:db8::5", NULL).client_ip, "2001:db8::5");
}

static void
test_garbage_stops_at_the_hop_that_sent_it(void **state)
{
    (void)state;
    assert_string_equal(resolve("10.0.0.1", "unknown", NULL).client_ip, "10.0.0.1");
    assert_string_equal(resolve("10.0.0.1", "", NULL).client_ip, "10.0.0.1");
    assert_string_equal(resolve("10.0.0.1", "198.51.100.1, junk", NULL).client_ip, "10.0.0.1");
    assert_string_equal(resolve("10.0.0.1", "junk, 10.3.3.3", NULL).client_ip, "10.3.3.3");
    assert_string_equal(resolve("10.0.0.1", "1.1.1.1,,", NULL).client_ip, "10.0.0.1");
}

static void
test_the_scheme_is_the_nearest_proxys(void **state)
{
    (void)state;
    assert_true(resolve("10.0.0.1", NULL, "HTTPS").https);
    assert_true(resolve("10.0.0.1", NULL, "http, https").https);
    assert_false(resolve("10.0.0.1", NULL, "https, http").https);
    assert_false(resolve("10.0.0.1", NULL, "httpsx").https);
    assert_true(resolve("10.0.0.1", NULL, " https ").https);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_untrusted_peers_are_believed_about_nothing),
        cmocka_unit_test(test_the_rightmost_untrusted_entry_is_the_client),
        cmocka_unit_test(test_garbage_stops_at_the_hop_that_sent_it),
        cmocka_unit_test(test_the_scheme_is_the_nearest_proxys),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
