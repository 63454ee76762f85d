/* jws.c - unit tests of src/core/jws.c's verification cache: a verified token verifies again
 * from the cache, a tampered one never does, and a new key set voids what was cached */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util/arena.h"
#include "core/auth/jws.h"

static const char *const sub = "11111111-1111-4111-8111-111111111111";
static const char *const tid = "22222222-2222-4222-8222-222222222222";

/* A key set file with one new HS256 key; its path, in a static buffer. */
static const char *
key_set(const char *kid)
{
    static char path[64];
    char err[256];
    char *entry = crm_jws_generate_entry("HS256", kid, "/tmp", err, sizeof(err));
    assert_non_null(entry);
    snprintf(path, sizeof(path), "/tmp/crm-unit-keys-%d.json", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"keys\": [%s]}", entry);
    fclose(f);
    free(entry);
    assert_int_equal(crm_jws_load_keys(path, err, sizeof(err)), 0);
    unlink(path);
    return path;
}

static void
test_cached_verification_and_tampering(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    key_set("unit-1");
    crm_jws_configure("crm", "crm-api", 900);
    crm_arena_t *a = crm_arena_create(4096);
    char *token = crm_jws_issue(a, sub, tid, "receptionist");
    assert_non_null(token);
    for (int round = 0; round < 3; round++) { /* the first verifies, the others hit the cache */
        crm_token_claims_t c;
        const char *why = NULL;
        assert_int_equal(crm_jws_verify(token, &c, &why), 0);
        assert_string_equal(c.sub, sub);
        assert_string_equal(c.tid, tid);
    }
    /* one character of the claims changed: same length, same signature, same cache slot */
    char *forged = crm_arena_strdup(a, token);
    char *dot = strchr(forged, '.');
    dot[5] = dot[5] == 'A' ? 'B' : 'A';
    for (int round = 0; round < 2; round++) {
        crm_token_claims_t c;
        const char *why = NULL;
        assert_int_equal(crm_jws_verify(forged, &c, &why), -1);
    }
    /* a new key set: the cached verdict no longer counts */
    key_set("unit-2");
    crm_token_claims_t c;
    const char *why = NULL;
    assert_int_equal(crm_jws_verify(token, &c, &why), -1);
    assert_string_equal(why, "unknown kid");
    crm_jws_free_keys();
    crm_arena_destroy(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cached_verification_and_tampering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
