/* jws.c - fuzz target of src/core/jws.c (and src/core/b64url.c): a key set of three fixed
 * keys (HS256 "hs-1", which signs; RS256 "rs-1" and ES256 "es-1", public halves) is loaded
 * once. An input starting with an even byte is a token presented to the server (header,
 * key lookup, signature, claims); one starting with an odd byte is a payload the server
 * signs, which must open again to the same JSON object whenever it is one. The seeds in
 * corpus/jws/ were signed with these keys' private halves. */
#include <sodium.h>
#include <unistd.h>

#include "core/util/arena.h"
#include "core/auth/jws.h"
#include "core/util/uuid.h"
#include "fuzz.h"

static const char fuzz_rs_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsJIfDeQ0M8X6mJsEVuJ0\n"
    "l9dA/BhzLWxmnGYoDVozio279CGC5qus1gV0WrdoyqlaLDArQ1G+/MC+hDRe9K/Z\n"
    "Fm2Ql2jMN1iBurSyCXRKCKnq8OyyoLqLPEvqgcAhJkmxXPAzfvhHEUlfzNMkgzSm\n"
    "WAb33zwCMetMp0nuwPYsuo+ZSbnOYe0FDOx1lbfDXviL/igq6m6x71hON2F2eOrA\n"
    "LOMMhhdw/QyvsWrR3tO+MLR8S2JX94YLsnyD3a2Uk/4uH5GuQDyknX2B+sMK7lDw\n"
    "UelgYPvuEYid6aOtdZSa8Y14uCHtOr3KDMHtRd0dIGE87KW91Fe4OOLcXML8C5o/\n"
    "YQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
static const char fuzz_es_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQwXDAP68xqLCzAsLf86ckMtCJEP0\n"
    "Lc3gZcT1d5CEWa8A3NctcL+77/ymXcoGQT+AdKiB0x1lFNAeAdfAPglHhA==\n"
    "-----END PUBLIC KEY-----\n";
/* 32 bytes 0x01..0x20, base64url */
static const char fuzz_keys[] =
    "{\"keys\": [{\"kid\": \"hs-1\", \"alg\": \"HS256\","
    " \"secret\": \"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA\"},"
    " {\"kid\": \"rs-1\", \"alg\": \"RS256\", \"public_key_file\": \"rs.pub.pem\"},"
    " {\"kid\": \"es-1\", \"alg\": \"ES256\", \"public_key_file\": \"es.pub.pem\"}]}";

static void
fuzz_write(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    FUZZ_CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0);
}

static void
fuzz_unlink(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
}

static void
fuzz_load_keys(void)
{
    FUZZ_CHECK(sodium_init() >= 0);
    char dir[] = "/tmp/crm-fuzz-jws-XXXXXX", path[512], err[512];
    FUZZ_CHECK(mkdtemp(dir));
    fuzz_write(dir, "rs.pub.pem", fuzz_rs_pub);
    fuzz_write(dir, "es.pub.pem", fuzz_es_pub);
    fuzz_write(dir, "keys.json", fuzz_keys);
    snprintf(path, sizeof(path), "%s/keys.json", dir);
    int rc = crm_jws_load_keys(path, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "jws: %s\n", err);
    fuzz_unlink(dir, "rs.pub.pem");
    fuzz_unlink(dir, "es.pub.pem");
    fuzz_unlink(dir, "keys.json");
    rmdir(dir);
    FUZZ_CHECK(rc == 0);
    crm_jws_configure("crm", "crm-api", 900);
    atexit(crm_jws_free_keys);
}

static void
fuzz_verify(const char *token)
{
    crm_token_claims_t c;
    const char *why = NULL;
    if (crm_jws_verify(token, &c, &why) == 0) {
        FUZZ_CHECK(crm_uuid_valid(c.sub) && crm_uuid_valid(c.tid) && c.role >= 0);
        FUZZ_CHECK(strlen(c.jti) <= 36);
    } else {
        FUZZ_CHECK(why && *why);
    }
}

static void
fuzz_sign(const uint8_t *payload, size_t len)
{
    crm_arena_t *a = crm_arena_create(4096);
    char *token = crm_jws_sign(a, "at+jwt", (const char *)payload, len);
    FUZZ_CHECK(token);
    json_t *want = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, NULL);
    const char *why = NULL;
    json_t *got = crm_jws_open(token, "at+jwt", &why);
    if (strlen(token) > CRM_JWS_MAX_TOKEN) {
        FUZZ_CHECK(!got && strcmp(why, "token too long") == 0);
    } else if (json_is_object(want)) {
        FUZZ_CHECK(got && json_equal(got, want));
    } else {
        FUZZ_CHECK(!got && strcmp(why, "malformed claims") == 0);
    }
    json_decref(got);
    json_decref(want);
    fuzz_verify(token);
    crm_arena_destroy(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool loaded;
    if (!loaded) {
        fuzz_load_keys();
        loaded = true;
    }
    if (size < 1)
        return 0;
    if (data[0] & 1) {
        fuzz_sign(data + 1, size - 1);
    } else {
        char *token = fuzz_cstring(data + 1, size - 1);
        fuzz_verify(token);
        free(token);
    }
    return 0;
}
