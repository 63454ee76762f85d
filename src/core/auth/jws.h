/* jws.h - access tokens: a key set, and JWTs (RFC 7519/9068) signed HS256, RS256 or ES256 */
#ifndef CRM_CORE_JWS_H
#define CRM_CORE_JWS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/util/arena.h"

#define CRM_JWS_MAX_TOKEN 8192
#define CRM_JWS_LEEWAY_S  60

typedef struct crm_token_claims {
    char sub[37]; /* user id */
    char tid[37]; /* tenant id */
    char jti[37];
    int role; /* crm_role_id_t */
    long long iat, nbf, exp;
} crm_token_claims_t;

/* Loads the key set ({"keys": [...]}, the first key signs) from the JSON file path names, or
 * from path itself when it begins with "{" (a secret given as an environment variable); one
 * key object alone is a set of one. Relative key file paths are relative to the key set
 * file (inline: to the working folder). Returns -1 with a message. */
int crm_jws_load_keys(const char *path, char *err, size_t errlen);
void crm_jws_free_keys(void);
/* Issuer, audience and access-token lifetime of issued and accepted tokens. */
void crm_jws_configure(const char *issuer, const char *audience, long ttl_s);
long crm_jws_ttl(void);

/* A compact JWS of payload (JSON text) signed with the newest key, header {alg, kid, typ}
 * (in the arena); NULL without a key set. Access tokens use typ at+jwt; other documents
 * another typ, so that no signed document passes for an access token. */
char *crm_jws_sign(crm_arena_t *a, const char *typ, const char *payload, size_t payload_len);
/* Checks a compact JWS of this typ (size, header, key, signature) and returns its payload
 * (caller's reference), or NULL and a short reason. */
json_t *crm_jws_open(const char *token, const char *typ, const char **why);

/* A signed access token for the user (in the arena), with the newest key. */
char *crm_jws_issue(crm_arena_t *a, const char *sub, const char *tid, const char *role);

/* Verifies a token: size, header (alg pinned to the key found by kid, typ at+jwt, no other
 * header), signature, then iss, aud, exp, nbf, iat, sub, tid, role. 0 and the claims when
 * valid; -1 and a short reason otherwise. */
int crm_jws_verify(const char *token, crm_token_claims_t *out, const char **why);

/* A 32-byte key for another purpose ("cursor"), derived from the signing key's material, so
 * every server sharing the key set derives the same one. All zero without a key set. */
void crm_jws_derive_key(const char *purpose, unsigned char out[32]);

/* A new key-set entry as JSON (for `crm keys generate`): HS256 gets a random secret; RS256
 * and ES256 get PEM files written into dir. NULL with a message on failure; free() it. */
char *crm_jws_generate_entry(const char *alg, const char *kid, const char *dir, char *err,
                             size_t errlen);

#endif
