/* idempotency.c - Idempotency-Key on creates: the same key and body get the original answer */
#include "core/db/idempotency.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/db/db.h"
#include "db_idempotency_sql.h"

bool
crm_idem_read(crm_req_t *r, crm_idem_t *idem)
{
    memset(idem, 0, sizeof(*idem));
    const char *key = crm_req_header(r, "Idempotency-Key");
    if (!key)
        return true;
    size_t n = strlen(key);
    bool ok = n >= 1 && n <= 255;
    for (size_t i = 0; ok && i < n; i++)
        ok = key[i] > 0x20 && key[i] < 0x7f;
    if (!ok) {
        crm_req_field_error(r, "header.Idempotency-Key", "must be 1 to 255 printable characters");
        crm_reply_problem(r, 400, "the Idempotency-Key header is not valid");
        return false;
    }
    idem->key = key;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)(r->body ? r->body : ""), r->body_len);
    sodium_bin2hex(idem->hash, sizeof(idem->hash), h, sizeof(h));
    return true;
}

bool
crm_idem_replayed(crm_req_t *r, const crm_idem_t *idem, PGresult *res, int col)
{
    if (!idem->key || PQgetisnull(res, 0, col))
        return false;
    if (strcmp(PQgetvalue(res, 0, col), idem->hash) != 0) {
        crm_req_field_error(r, "header.Idempotency-Key", "was used with another request body");
        crm_reply_problem(r, 422, "this Idempotency-Key belongs to a different request");
        return true;
    }
    const char *body = PQgetvalue(res, 0, col + 2);
    json_t *j = json_loads(body, 0, NULL);
    const char *id = json_string_value(json_object_get(j, "id"));
    json_t *version = json_object_get(j, "version");
    if (id)
        crm_req_add_header(r, "Location", crm_arena_sprintf(r->arena, "%s/%s", r->path, id));
    if (json_is_integer(version))
        crm_req_add_header(
            r, "ETag",
            crm_arena_sprintf(r->arena, "\"%lld\"", (long long)json_integer_value(version)));
    json_decref(j);
    crm_req_add_header(r, "Idempotent-Replayed", "true");
    crm_reply(r, atoi(PQgetvalue(res, 0, col + 1)), "application/json",
              crm_arena_strdup(r->arena, body), strlen(body));
    return true;
}

bool
crm_idem_conflict(crm_req_t *r, const char *constraint)
{
    if (!crm_db_constraint_is(constraint, "idempotency_keys_pkey"))
        return false;
    crm_req_add_header(r, "Retry-After", "1");
    crm_reply_problem(r, 409, "a request with this Idempotency-Key is in progress; retry");
    return true;
}

void
crm_idem_purge(crm_tx_t *tx, const crm_idem_t *idem)
{
    if (idem->key)
        CRM_TX_ADD(tx, crm_sql_idempotency_purge, idem->key);
}
