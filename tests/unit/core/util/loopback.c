/* loopback.c - unit tests of src/core/util/loopback.c: loopback hosts and http:// URLs */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/util/loopback.h"

static void
test_hosts(void **state)
{
    (void)state;
    const char *local[] = {"localhost", "LocalHost", "127.0.0.1", "::1", "[::1]"};
    for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
        assert_true(crm_loopback_host(local[i], strlen(local[i])));
    const char *other[] = {"",      "localhost.example.com", "127.0.0.10", "127.0.0.2", "[::2]",
                           "local", "crm.example.com"};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        assert_false(crm_loopback_host(other[i], strlen(other[i])));
    /* only the bytes given count */
    assert_true(crm_loopback_host("localhost:25", 9));
}

static void
test_http_urls(void **state)
{
    (void)state;
    const char *local[] = {"http://127.0.0.1:8080", "http://localhost", "http://LocalHost:5173/",
                           "http://[::1]:81",       "http://[::1]",     "http://localhost/x"};
    for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
        assert_true(crm_loopback_http_url(local[i]));
    const char *other[] = {
        "https://127.0.0.1:8443",        "https://localhost",      "http://192.0.2.4:9000",
        "http://localhost.example.com",  "http://127.0.0.10:8080", "http://[::1",
        "http://localhost@evil.example", "ftp://localhost",        "http://"};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        assert_false(crm_loopback_http_url(other[i]));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_http_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
