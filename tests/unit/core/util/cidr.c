/* cidr.c - unit tests of src/core/cidr.c: addresses, ranges, lists */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>

#include "core/util/cidr.h"

static bool
parse_ip(const char *text, crm_ip_t *ip)
{
    return crm_ip_parse(text, strlen(text), ip);
}

static bool
in_range(const char *range, const char *addr)
{
    crm_cidr_t c;
    crm_ip_t ip;
    assert_true(crm_cidr_parse(range, strlen(range), &c));
    assert_true(parse_ip(addr, &ip));
    return crm_cidr_contains(&c, &ip);
}

static void
test_addresses(void **state)
{
    (void)state;
    crm_ip_t ip;
    char text[CRM_IP_TEXT_MAX];
    assert_true(parse_ip("192.0.2.7", &ip));
    assert_int_equal(ip.family, AF_INET);
    assert_true(parse_ip("2001:DB8::1", &ip));
    assert_int_equal(ip.family, AF_INET6);
    crm_ip_format(&ip, text);
    assert_string_equal(text, "2001:db8::1");
    assert_true(parse_ip("::ffff:192.0.2.7", &ip)); /* IPv4-mapped: the IPv4 address */
    assert_int_equal(ip.family, AF_INET);
    crm_ip_format(&ip, text);
    assert_string_equal(text, "192.0.2.7");
    assert_false(parse_ip("", &ip));
    assert_false(parse_ip("192.0.2", &ip));
    assert_false(parse_ip("example.com", &ip));
    assert_false(parse_ip("192.0.2.7 ", &ip));
    assert_false(crm_ip_parse("192.0.2.7", 0, &ip));
}

static void
test_ranges(void **state)
{
    (void)state;
    assert_true(in_range("10.0.0.0/8", "10.200.3.4"));
    assert_false(in_range("10.0.0.0/8", "11.0.0.1"));
    assert_true(in_range("192.0.2.128/25", "192.0.2.200"));
    assert_false(in_range("192.0.2.128/25", "192.0.2.127"));
    assert_true(in_range("127.0.0.1", "127.0.0.1"));
    assert_false(in_range("127.0.0.1", "127.0.0.2"));
    assert_true(in_range("0.0.0.0/0", "203.0.113.9"));
    assert_false(in_range("0.0.0.0/0", "2001:db8::1")); /* families never mix */
    assert_true(in_range("fd00::/8", "fd12:3456::1"));
    assert_false(in_range("fd00::/8", "fe80::1"));
    assert_true(in_range("2001:db8:0:1::/64", "2001:db8:0:1:ffff::9"));
    assert_false(in_range("2001:db8:0:1::/64", "2001:db8:0:2::9"));
    assert_true(in_range("10.0.0.0/8", "::ffff:10.1.2.3"));
    crm_cidr_t c;
    const char *bad[] = {"10.0.0.1/8",    "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/x",
                         "10.0.0.0/0008", "nope/8",      "/8",         ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(crm_cidr_parse(bad[i], strlen(bad[i]), &c));
}

static void
test_lists(void **state)
{
    (void)state;
    crm_cidr_list_t l;
    char why[160];
    assert_int_equal(crm_cidr_list_parse("10.0.0.0/8, fd00::/8 192.0.2.1", &l, why, sizeof(why)),
                     0);
    assert_int_equal(l.n, 3);
    crm_ip_t ip;
    assert_true(parse_ip("192.0.2.1", &ip));
    assert_true(crm_cidr_list_contains(&l, &ip));
    assert_true(parse_ip("192.0.2.2", &ip));
    assert_false(crm_cidr_list_contains(&l, &ip));
    assert_int_equal(crm_cidr_list_parse("10.0.0.0/8,oops", &l, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "'oops'"));
    assert_int_equal(crm_cidr_list_parse(" , ", &l, why, sizeof(why)), -1);
    char many[2048] = "";
    for (int i = 0; i <= CRM_CIDR_LIST_MAX; i++)
        strcat(many, "10.0.0.0/8,");
    assert_int_equal(crm_cidr_list_parse(many, &l, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "at most"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
