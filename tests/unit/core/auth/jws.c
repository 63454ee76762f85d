/* jws.c - unit tests of src/core/jws.c's verification cache (a verified token verifies again
 * from the cache, a tampered one never does, and a new key set voids what was cached) and of
 * key sets given inline, as containers' secrets arrive */
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

/* CRM_JWT_KEYS holding the key set itself, or one key alone: a token signed with it opens;
 * what is not a key set is refused without quoting the secret. */
static void
test_inline_key_sets(void **state)
{
    (void)state;
    char err[256];
    char *entry = crm_jws_generate_entry("HS256", "inline-1", "/tmp", err, sizeof(err));
    assert_non_null(entry);
    char set[512];
    snprintf(set, sizeof(set), "  {\"keys\": [%s]}\n", entry);
    assert_int_equal(crm_jws_load_keys(set, err, sizeof(err)), 0);
    crm_arena_t *a = crm_arena_create(4096);
    char *token = crm_jws_issue(a, sub, tid, "admin");
    assert_non_null(token);
    const char *why = NULL;
    json_t *claims = crm_jws_open(token, "at+jwt", &why);
    assert_non_null(claims);
    json_decref(claims);

    assert_int_equal(crm_jws_load_keys(entry, err, sizeof(err)), 0); /* one key alone */
    claims = crm_jws_open(crm_jws_issue(a, sub, tid, "admin"), "at+jwt", &why);
    assert_non_null(claims);
    json_decref(claims);

    const char *secret = strstr(entry, "\"secret\"");
    assert_non_null(secret);
    snprintf(set, sizeof(set), "{\"keys\": [%s", entry); /* cut short */
    assert_int_equal(crm_jws_load_keys(set, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "inline is not JSON"));
    assert_null(strstr(err, secret + 10));
    assert_int_equal(crm_jws_load_keys("{\"keys\": []}", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "with a key"));
    crm_arena_destroy(a);
    free(entry);
    crm_jws_free_keys();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cached_verification_and_tampering),
        cmocka_unit_test(test_inline_key_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
