/* jws.c - access tokens: a key set, and JWTs (RFC 7519/9068) signed HS256, RS256 or ES256.
 * The compact serialisation is written here because Debian 12's libjwt (1.10) forces the
 * header typ to "JWT" when signing and rejects any other typ when verifying, so it cannot
 * produce or accept RFC 9068 "at+jwt" tokens. The cryptography itself is libsodium's
 * (HMAC-SHA-256, constant-time compare) and OpenSSL's (RSA and ECDSA over EVP). */
#include "core/auth/jws.h"

#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/util/b64url.h"
#include "core/util/buf.h"
#include "core/auth/rbac.h"
#include "core/util/uuid.h"

typedef enum { CRM_ALG_HS256, CRM_ALG_RS256, CRM_ALG_ES256 } crm_alg_t;

static const char *const crm_alg_names[] = {"HS256", "RS256", "ES256"};

typedef struct crm_jws_key {
    char kid[65];
    crm_alg_t alg;
    unsigned char secret[128]; /* HS256 */
    size_t secret_len;
    EVP_PKEY *priv; /* RS256/ES256 signing, may be NULL for a verify-only key */
    EVP_PKEY *pub;  /* RS256/ES256 verification */
} crm_jws_key_t;

static struct {
    crm_jws_key_t *keys;
    size_t nkeys;
    const char *issuer;
    const char *audience;
    long ttl_s;
    unsigned generation; /* changes with the keys or the issuer: cached verdicts lapse */
} crm_jws = {.issuer = "crm", .audience = "crm-api", .ttl_s = 900, .generation = 1};

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

void
crm_jws_configure(const char *issuer, const char *audience, long ttl_s)
{
    crm_jws.generation++;
    crm_jws.issuer = issuer;
    crm_jws.audience = audience;
    crm_jws.ttl_s = ttl_s;
}

long
crm_jws_ttl(void)
{
    return crm_jws.ttl_s;
}

static bool
crm_kid_valid(const char *kid)
{
    size_t n = strlen(kid);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = kid[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

static int
crm_alg_by_name(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, crm_alg_names[i]) == 0)
            return i;
    return -1;
}

static EVP_PKEY *
crm_read_pem(const char *dir, const char *file, bool private_key, char *err, size_t errlen)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof(path), "%s%s%s", file[0] == '/' ? "" : dir, file[0] == '/' ? "" : "/",
             file);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "CRM_JWT_KEYS: cannot read %s", path);
        return NULL;
    }
    EVP_PKEY *k = private_key ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
                              : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (!k)
        snprintf(err, errlen, "CRM_JWT_KEYS: %s is not a PEM %s key", path,
                 private_key ? "private" : "public");
    return k;
}

/* RS256 signatures are as long as the key's modulus and are signed and checked in buffers of
 * CRM_JWS_MAX_SIG bytes: 4096-bit keys at most. */
#define CRM_JWS_MAX_SIG      512
#define CRM_JWS_MAX_RSA_BITS (CRM_JWS_MAX_SIG * 8)

/* The key's type must be the algorithm's: an RSA key of at least 2048 bits, or P-256. */
static bool
crm_key_fits(const EVP_PKEY *k, crm_alg_t alg)
{
    if (alg == CRM_ALG_RS256)
        return EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA && EVP_PKEY_get_bits(k) >= 2048;
    char group[64] = "";
    size_t len = 0;
    return EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
           EVP_PKEY_get_group_name(k, group, sizeof(group), &len) == 1 &&
           strcmp(group, "prime256v1") == 0;
}

static int
crm_load_key(crm_jws_key_t *k, json_t *entry, const char *dir, size_t index, char *err,
             size_t errlen)
{
    const char *kid = json_string_value(json_object_get(entry, "kid"));
    const char *alg = json_string_value(json_object_get(entry, "alg"));
    if (!kid || !crm_kid_valid(kid)) {
        snprintf(err, errlen, "CRM_JWT_KEYS: key %zu: kid must be 1-64 of A-Z a-z 0-9 - _ .",
                 index);
        return -1;
    }
    snprintf(k->kid, sizeof(k->kid), "%s", kid);
    int a = crm_alg_by_name(alg);
    if (a < 0) {
        snprintf(err, errlen, "CRM_JWT_KEYS: key %s: alg must be HS256, RS256 or ES256", kid);
        return -1;
    }
    k->alg = (crm_alg_t)a;
    if (k->alg == CRM_ALG_HS256) {
        const char *secret = json_string_value(json_object_get(entry, "secret"));
        if (!secret ||
            sodium_base642bin(k->secret, sizeof(k->secret), secret, strlen(secret), NULL,
                              &k->secret_len, NULL, B64URL) != 0 ||
            k->secret_len < 32) {
            snprintf(err, errlen,
                     "CRM_JWT_KEYS: key %s: secret must be base64url of at least 32 bytes", kid);
            return -1;
        }
        return 0;
    }
    const char *priv = json_string_value(json_object_get(entry, "private_key_file"));
    const char *pub = json_string_value(json_object_get(entry, "public_key_file"));
    if (!pub) {
        snprintf(err, errlen, "CRM_JWT_KEYS: key %s: public_key_file is required", kid);
        return -1;
    }
    if (!(k->pub = crm_read_pem(dir, pub, false, err, errlen)))
        return -1;
    if (priv && !(k->priv = crm_read_pem(dir, priv, true, err, errlen)))
        return -1;
    if (!crm_key_fits(k->pub, k->alg) || (k->priv && !crm_key_fits(k->priv, k->alg))) {
        snprintf(err, errlen, "CRM_JWT_KEYS: key %s: the key files are not %s keys", kid,
                 crm_alg_names[k->alg]);
        return -1;
    }
    if (k->alg == CRM_ALG_RS256) {
        int bits = EVP_PKEY_get_bits(k->pub);
        if (k->priv && EVP_PKEY_get_bits(k->priv) > bits)
            bits = EVP_PKEY_get_bits(k->priv);
        if (bits > CRM_JWS_MAX_RSA_BITS) {
            snprintf(err, errlen,
                     "CRM_JWT_KEYS: key %s: RSA keys over %d bits are not supported (this one "
                     "has %d)",
                     kid, CRM_JWS_MAX_RSA_BITS, bits);
            return -1;
        }
    }
    return 0;
}

/* The key set CRM_JWT_KEYS gives: the JSON itself when it begins with "{" (as a container's
 * secret arrives), else the file it names. One key object alone stands for a set of one.
 * Errors of an inline set never quote it: it holds secrets. NULL after setting err. */
static json_t *
crm_jws_read_set(const char *source, bool *inline_set, char *err, size_t errlen)
{
    json_error_t je;
    const char *p = source + strspn(source, " \t\r\n");
    *inline_set = *p == '{';
    json_t *doc = *inline_set ? json_loads(p, JSON_REJECT_DUPLICATES, &je)
                              : json_load_file(source, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        if (*inline_set)
            snprintf(err, errlen,
                     "CRM_JWT_KEYS: the key set given inline is not JSON (line %d, "
                     "column %d)",
                     je.line, je.column);
        else
            snprintf(err, errlen, "CRM_JWT_KEYS: %s: %s", source, je.text);
        return NULL;
    }
    if (json_is_object(doc) && !json_object_get(doc, "keys") && json_object_get(doc, "kid")) {
        json_t *one = doc;
        doc = json_pack("{s[o]}", "keys", one);
    }
    json_t *keys = json_object_get(doc, "keys");
    if (!json_is_array(keys) || json_array_size(keys) == 0) {
        snprintf(err, errlen, "CRM_JWT_KEYS: %s: expected {\"keys\": [ ... ]} with a key",
                 *inline_set ? "the key set given inline" : source);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

int
crm_jws_load_keys(const char *path, char *err, size_t errlen)
{
    bool inline_set;
    json_t *doc = crm_jws_read_set(path, &inline_set, err, errlen);
    if (!doc)
        return -1;
    json_t *keys = json_object_get(doc, "keys");
    char dir_buf[PATH_MAX];
    snprintf(dir_buf, sizeof(dir_buf), "%s", inline_set ? "./-" : path);
    const char *dir = dirname(dir_buf); /* inline: key files are relative to the working folder */
    crm_jws_free_keys();
    crm_jws.keys = crm_xcalloc(json_array_size(keys), sizeof(crm_jws_key_t));
    int rc = 0;
    for (size_t i = 0; i < json_array_size(keys) && rc == 0; i++) {
        rc = crm_load_key(&crm_jws.keys[i], json_array_get(keys, i), dir, i, err, errlen);
        crm_jws.nkeys = i + 1;
        for (size_t j = 0; rc == 0 && j < i; j++) {
            if (strcmp(crm_jws.keys[j].kid, crm_jws.keys[i].kid) == 0) {
                snprintf(err, errlen, "CRM_JWT_KEYS: kid %s is listed twice", crm_jws.keys[i].kid);
                rc = -1;
            }
        }
    }
    if (rc == 0 && crm_jws.keys[0].alg != CRM_ALG_HS256 && !crm_jws.keys[0].priv) {
        snprintf(err, errlen, "CRM_JWT_KEYS: the first key signs, so it needs private_key_file");
        rc = -1;
    }
    json_decref(doc);
    if (rc != 0)
        crm_jws_free_keys();
    return rc;
}

void
crm_jws_free_keys(void)
{
    for (size_t i = 0; i < crm_jws.nkeys; i++) {
        EVP_PKEY_free(crm_jws.keys[i].priv);
        EVP_PKEY_free(crm_jws.keys[i].pub);
        sodium_memzero(crm_jws.keys[i].secret, sizeof(crm_jws.keys[i].secret));
    }
    free(crm_jws.keys);
    crm_jws.keys = NULL;
    crm_jws.nkeys = 0;
    crm_jws.generation++;
}

static void
crm_b64url(crm_buf_t *b, const unsigned char *data, size_t len)
{
    size_t need = sodium_base64_ENCODED_LEN(len, B64URL);
    char *tmp = crm_arena_alloc(b->arena, need);
    sodium_bin2base64(tmp, need, data, len, B64URL);
    crm_buf_puts(b, tmp);
}

/* ECDSA signatures travel as R || S (32 bytes each) in JWS, as DER in OpenSSL. */
static int
crm_ecdsa_der_to_raw(const unsigned char *der, size_t der_len, unsigned char raw[64])
{
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &der, (long)der_len);
    if (!sig)
        return -1;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    int ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok ? 0 : -1;
}

static int
crm_ecdsa_raw_to_der(const unsigned char raw[64], unsigned char *der, size_t *der_len)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return -1;
    }
    unsigned char *p = der;
    int n = i2d_ECDSA_SIG(sig, &p);
    ECDSA_SIG_free(sig);
    if (n <= 0)
        return -1;
    *der_len = (size_t)n;
    return 0;
}

/* Signs input into sig, which has room for *sig_len bytes; *sig_len becomes the length. */
static int
crm_sign(const crm_jws_key_t *k, const char *input, size_t len, unsigned char *sig, size_t *sig_len)
{
    if (k->alg == CRM_ALG_HS256) {
        crypto_auth_hmacsha256_state st;
        crypto_auth_hmacsha256_init(&st, k->secret, k->secret_len);
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)input, len);
        crypto_auth_hmacsha256_final(&st, sig);
        *sig_len = crypto_auth_hmacsha256_BYTES;
        return 0;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char der[600];
    size_t der_len = sizeof(der);
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->priv) == 1 &&
             EVP_DigestSign(ctx, k->alg == CRM_ALG_ES256 ? der : sig,
                            k->alg == CRM_ALG_ES256 ? &der_len : sig_len,
                            (const unsigned char *)input, len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return -1;
    if (k->alg == CRM_ALG_ES256) {
        *sig_len = 64;
        return crm_ecdsa_der_to_raw(der, der_len, sig);
    }
    return 0;
}

static bool
crm_verify_sig(const crm_jws_key_t *k, const char *input, size_t len, const unsigned char *sig,
               size_t sig_len)
{
    if (k->alg == CRM_ALG_HS256) {
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        size_t n = sizeof(mac);
        if (sig_len != sizeof(mac) || crm_sign(k, input, len, mac, &n) != 0)
            return false;
        return sodium_memcmp(mac, sig, sizeof(mac)) == 0;
    }
    unsigned char der[80];
    size_t der_len = sig_len;
    if (k->alg == CRM_ALG_ES256) {
        if (sig_len != 64 || crm_ecdsa_raw_to_der(sig, der, &der_len) != 0)
            return false;
        sig = der;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pub) == 1 &&
             EVP_DigestVerify(ctx, sig, der_len, (const unsigned char *)input, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* A compact JWS of payload (JSON text) with the newest key and header typ; NULL without a key. */
char *
crm_jws_sign(crm_arena_t *a, const char *typ, const char *payload, size_t payload_len)
{
    if (!crm_jws.nkeys)
        return NULL;
    const crm_jws_key_t *k = &crm_jws.keys[0];
    crm_buf_t h, t;
    crm_buf_init(&h, a, 128);
    crm_buf_printf(&h, "{\"alg\":\"%s\",\"kid\":", crm_alg_names[k->alg]);
    crm_buf_json_string(&h, k->kid);
    crm_buf_puts(&h, ",\"typ\":");
    crm_buf_json_string(&h, typ);
    crm_buf_putc(&h, '}');
    crm_buf_init(&t, a, 1024);
    crm_b64url(&t, (const unsigned char *)h.data, h.len);
    crm_buf_putc(&t, '.');
    crm_b64url(&t, (const unsigned char *)payload, payload_len);
    unsigned char sig[CRM_JWS_MAX_SIG];
    size_t sig_len = sizeof(sig); /* in: room for the signature; out: its length */
    if (crm_sign(k, t.data, t.len, sig, &sig_len) != 0)
        return NULL;
    crm_buf_putc(&t, '.');
    crm_b64url(&t, sig, sig_len);
    return t.data;
}

char *
crm_jws_issue(crm_arena_t *a, const char *sub, const char *tid, const char *role)
{
    long long now = (long long)time(NULL);
    char jti[CRM_UUID_LEN + 1];
    crm_uuid_v4(jti);
    crm_buf_t p;
    crm_buf_init(&p, a, 512);
    crm_buf_puts(&p, "{\"iss\":");
    crm_buf_json_string(&p, crm_jws.issuer);
    crm_buf_puts(&p, ",\"aud\":");
    crm_buf_json_string(&p, crm_jws.audience);
    crm_buf_printf(&p,
                   ",\"sub\":\"%s\",\"tid\":\"%s\",\"role\":\"%s\",\"iat\":%lld,\"nbf\":%lld,"
                   "\"exp\":%lld,\"jti\":\"%s\"}",
                   sub, tid, role, now, now, now + crm_jws.ttl_s, jti);
    return crm_jws_sign(a, "at+jwt", p.data, p.len);
}

static json_t *
crm_decode_json_segment(const char *s, size_t len)
{
    unsigned char buf[CRM_JWS_MAX_TOKEN];
    long n = crm_b64url_decode(s, len, buf, sizeof(buf));
    if (n < 0)
        return NULL;
    json_t *v = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
    if (v && !json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

static bool
crm_claim_uuid(json_t *claims, const char *name, char out[37])
{
    const char *v = json_string_value(json_object_get(claims, name));
    if (!v || !crm_uuid_valid(v))
        return false;
    memcpy(out, v, 37);
    return true;
}

static bool
crm_claim_time(json_t *claims, const char *name, long long *out)
{
    json_t *v = json_object_get(claims, name);
    if (!json_is_integer(v))
        return false;
    *out = (long long)json_integer_value(v);
    return true;
}

static const crm_jws_key_t *
crm_check_header(json_t *h, const char *want_typ, const char **why)
{
    const char *alg = json_string_value(json_object_get(h, "alg"));
    const char *kid = json_string_value(json_object_get(h, "kid"));
    const char *typ = json_string_value(json_object_get(h, "typ"));
    if (!alg || crm_alg_by_name(alg) < 0)
        return *why = "unsupported alg", NULL;
    if (json_object_size(h) != 3 || !kid || !typ)
        return *why = "the header must hold exactly alg, kid and typ", NULL;
    if (strcmp(typ, want_typ) != 0)
        return *why = strcmp(want_typ, "at+jwt") == 0 ? "typ must be at+jwt" : "wrong typ", NULL;
    if (!crm_kid_valid(kid))
        return *why = "malformed kid", NULL;
    for (size_t i = 0; i < crm_jws.nkeys; i++) {
        const crm_jws_key_t *k = &crm_jws.keys[i];
        if (strcmp(k->kid, kid) == 0) {
            if (strcmp(crm_alg_names[k->alg], alg) != 0)
                return *why = "alg does not match the key", NULL;
            return k;
        }
    }
    return *why = "unknown kid", NULL;
}

static int
crm_check_claims(json_t *c, crm_token_claims_t *out, const char **why)
{
    const char *iss = json_string_value(json_object_get(c, "iss"));
    const char *aud = json_string_value(json_object_get(c, "aud"));
    const char *role = json_string_value(json_object_get(c, "role"));
    const char *jti = json_string_value(json_object_get(c, "jti"));
    if (!iss || strcmp(iss, crm_jws.issuer) != 0)
        return *why = "wrong or missing iss", -1;
    if (!aud || strcmp(aud, crm_jws.audience) != 0)
        return *why = "wrong or missing aud", -1;
    if (!crm_claim_time(c, "exp", &out->exp) || !crm_claim_time(c, "iat", &out->iat) ||
        !crm_claim_time(c, "nbf", &out->nbf))
        return *why = "exp, iat and nbf are required", -1;
    long long now = (long long)time(NULL);
    if (now > out->exp + CRM_JWS_LEEWAY_S)
        return *why = "expired", -1;
    if (out->nbf > now + CRM_JWS_LEEWAY_S || out->iat > now + CRM_JWS_LEEWAY_S)
        return *why = "not yet valid", -1;
    if (!crm_claim_uuid(c, "sub", out->sub) || !crm_claim_uuid(c, "tid", out->tid))
        return *why = "sub and tid must be UUIDs", -1;
    if (!role || (out->role = crm_role_by_name(role)) < 0)
        return *why = "unknown role", -1;
    if (!jti || strlen(jti) > 36)
        return *why = "missing jti", -1;
    memcpy(out->jti, jti, strlen(jti) + 1);
    return 0;
}

json_t *
crm_jws_open(const char *token, const char *typ, const char **why)
{
    size_t len = strnlen(token, CRM_JWS_MAX_TOKEN + 1);
    if (len > CRM_JWS_MAX_TOKEN)
        return *why = "token too long", NULL;
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (!dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
        return *why = "not a compact JWS", NULL;
    json_t *header = crm_decode_json_segment(token, (size_t)(dot1 - token));
    if (!header)
        return *why = "malformed header", NULL;
    const crm_jws_key_t *k = crm_check_header(header, typ, why);
    json_decref(header);
    if (!k)
        return NULL;
    unsigned char sig[CRM_JWS_MAX_SIG];
    long sig_len = crm_b64url_decode(dot2 + 1, len - (size_t)(dot2 + 1 - token), sig, sizeof(sig));
    if (sig_len < 0 || !crm_verify_sig(k, token, (size_t)(dot2 - token), sig, (size_t)sig_len))
        return *why = "bad signature", NULL;
    json_t *payload = crm_decode_json_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (!payload)
        *why = "malformed claims";
    return payload;
}

/* Tokens that verified, per thread: a client sends the same access token with every request
 * for its lifetime, and checking its signature again each time was most of what
 * authentication cost. Direct-mapped on the signature's last characters; a hit needs the
 * whole token equal, the same key set, and the token not expired since. Only verified tokens
 * enter, so a forgery always takes the full path. */
#define CRM_JWS_CACHE_SLOTS     64
#define CRM_JWS_CACHE_TOKEN_MAX 768

typedef struct crm_jws_cached {
    unsigned generation; /* 0: empty */
    size_t len;
    crm_token_claims_t claims;
    char token[CRM_JWS_CACHE_TOKEN_MAX];
} crm_jws_cached_t;

static _Thread_local crm_jws_cached_t crm_jws_cache[CRM_JWS_CACHE_SLOTS];

static crm_jws_cached_t *
crm_jws_cache_slot(const char *token, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a over the last 16 characters (the signature's) */
    for (size_t i = len > 16 ? len - 16 : 0; i < len; i++)
        h = (h ^ (unsigned char)token[i]) * 16777619u;
    return &crm_jws_cache[h % CRM_JWS_CACHE_SLOTS];
}

int
crm_jws_verify(const char *token, crm_token_claims_t *out, const char **why)
{
    size_t len = strnlen(token, CRM_JWS_CACHE_TOKEN_MAX);
    crm_jws_cached_t *slot = len < CRM_JWS_CACHE_TOKEN_MAX ? crm_jws_cache_slot(token, len) : NULL;
    if (slot && slot->generation == crm_jws.generation && slot->len == len &&
        memcmp(slot->token, token, len) == 0 &&
        (long long)time(NULL) <= slot->claims.exp + CRM_JWS_LEEWAY_S) {
        *out = slot->claims;
        return 0;
    }
    json_t *claims = crm_jws_open(token, "at+jwt", why);
    if (!claims)
        return -1;
    int rc = crm_check_claims(claims, out, why);
    json_decref(claims);
    if (rc == 0 && slot) {
        slot->generation = crm_jws.generation;
        slot->len = len;
        slot->claims = *out;
        memcpy(slot->token, token, len);
    }
    return rc;
}

void
crm_jws_derive_key(const char *purpose, unsigned char out[32])
{
    memset(out, 0, 32);
    if (!crm_jws.nkeys)
        return;
    const crm_jws_key_t *k = &crm_jws.keys[0];
    unsigned char *der = NULL;
    int der_len = k->priv ? i2d_PrivateKey(k->priv, &der) : -1;
    crypto_auth_hmacsha256_state st;
    if (der_len > 0)
        crypto_auth_hmacsha256_init(&st, der, (size_t)der_len);
    else
        crypto_auth_hmacsha256_init(&st, k->secret, k->secret_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)purpose, strlen(purpose));
    crypto_auth_hmacsha256_final(&st, out);
    if (der) {
        sodium_memzero(der, (size_t)der_len);
        OPENSSL_free(der);
    }
}

static int
crm_write_pem(const char *path, EVP_PKEY *k, bool private_key)
{
    FILE *f = fopen(path, "wx");
    if (!f)
        return -1;
    if (private_key)
        chmod(path, 0600);
    int ok = private_key ? PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL)
                         : PEM_write_PUBKEY(f, k);
    return fclose(f) == 0 && ok ? 0 : -1;
}

char *
crm_jws_generate_entry(const char *alg, const char *kid, const char *dir, char *err, size_t errlen)
{
    int a = crm_alg_by_name(alg);
    if (a < 0 || !crm_kid_valid(kid)) {
        snprintf(err, errlen,
                 a < 0 ? "--alg: expected HS256, RS256 or ES256"
                       : "--kid: 1-64 of A-Z a-z 0-9 - _ .");
        return NULL;
    }
    json_t *entry = json_pack("{ssss}", "kid", kid, "alg", alg);
    if (a == CRM_ALG_HS256) {
        unsigned char secret[32];
        char b64[sodium_base64_ENCODED_LEN(32, B64URL)];
        randombytes_buf(secret, sizeof(secret));
        sodium_bin2base64(b64, sizeof(b64), secret, sizeof(secret), B64URL);
        json_object_set_new(entry, "secret", json_string(b64));
    } else {
        EVP_PKEY *k = a == CRM_ALG_RS256 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
                                         : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        char priv[PATH_MAX], pub[PATH_MAX];
        snprintf(priv, sizeof(priv), "%s/%s.key.pem", dir, kid);
        snprintf(pub, sizeof(pub), "%s/%s.pub.pem", dir, kid);
        if (!k || crm_write_pem(priv, k, true) != 0 || crm_write_pem(pub, k, false) != 0) {
            snprintf(err, errlen, "cannot write %s and %s (do they exist already?)", priv, pub);
            EVP_PKEY_free(k);
            json_decref(entry);
            return NULL;
        }
        EVP_PKEY_free(k);
        json_object_set_new(entry, "private_key_file", json_string(priv));
        json_object_set_new(entry, "public_key_file", json_string(pub));
    }
    char *text = json_dumps(entry, JSON_PRESERVE_ORDER);
    json_decref(entry);
    return text;
}
