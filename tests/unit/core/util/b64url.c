/* b64url.c - unit tests of src/core/b64url.c: RFC 4648 vectors, refusals, round trips */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "core/util/b64url.h"

static void
test_rfc4648_vectors(void **state)
{
    (void)state;
    static const char *const vectors[][2] = {
        {"", ""},           {"Zg", "f"},          {"Zm8", "fo"},         {"Zm9v", "foo"},
        {"Zm9vYg", "foob"}, {"Zm9vYmE", "fooba"}, {"Zm9vYmFy", "foobar"}};
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        unsigned char out[16];
        long n = crm_b64url_decode(vectors[i][0], strlen(vectors[i][0]), out, sizeof(out));
        assert_int_equal(n, (long)strlen(vectors[i][1]));
        assert_memory_equal(out, vectors[i][1], (size_t)n);
    }
}

static void
test_url_alphabet_and_refusals(void **state)
{
    (void)state;
    unsigned char out[8];
    assert_int_equal(crm_b64url_decode("-_8", 3, out, sizeof(out)), 2);
    assert_int_equal(out[0], 0xfb);
    assert_int_equal(out[1], 0xff);
    assert_int_equal(crm_b64url_decode("+/8", 3, out, sizeof(out)), -1);   /* standard alphabet */
    assert_int_equal(crm_b64url_decode("Zg==", 4, out, sizeof(out)), -1);  /* padding */
    assert_int_equal(crm_b64url_decode("Zm9vY", 5, out, sizeof(out)), -1); /* length % 4 == 1 */
    assert_int_equal(crm_b64url_decode("Zh", 2, out, sizeof(out)), -1);    /* bits left over */
    assert_int_equal(crm_b64url_decode("Zm 9", 4, out, sizeof(out)), -1);  /* space */
    assert_int_equal(crm_b64url_decode("Zm\0v", 4, out, sizeof(out)), -1); /* NUL */
    assert_int_equal(crm_b64url_decode("Zm9vYmFy", 8, out, 5), -1);        /* does not fit */
    assert_int_equal(crm_b64url_decode("Zm9vYmFy", 8, out, 6), 6);
}

static void
test_agrees_with_libsodium(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    for (size_t len = 0; len < 200; len++) {
        unsigned char raw[200], out[200];
        char text[300];
        randombytes_buf(raw, len);
        sodium_bin2base64(text, sizeof(text), raw, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        long n = crm_b64url_decode(text, strlen(text), out, sizeof(out));
        assert_int_equal(n, (long)len);
        assert_memory_equal(out, raw, len);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_url_alphabet_and_refusals),
        cmocka_unit_test(test_agrees_with_libsodium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
