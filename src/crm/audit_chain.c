/* audit_chain.c - the audit log's tamper evidence over HTTP: checking the tenant's hash chain
 * (optionally against a checkpoint kept outside the database) and issuing signed checkpoints */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/db/db.h"
#include "core/auth/jws.h"
#include "core/http/request.h"
#include "core/http/tenant_slots.h"
#include "crm/handlers.h"
#include "crm_audit_chain_sql.h"

#define CRM_AUDIT_CHECKPOINT_TYP "audit-checkpoint+jwt"
/* Walking a long chain takes longer than an ordinary request may. */
#define CRM_AUDIT_VERIFY_TIMEOUT_MS "600000"

/* Whether a checkpoint's (last_id, head) pair is well formed. */
static bool
crm_audit_head_valid(const char *last_id, const char *head)
{
    return last_id && strspn(last_id, "0123456789") == strlen(last_id) && *last_id &&
           strlen(last_id) <= 18 && head && strlen(head) == 64 &&
           strspn(head, "0123456789abcdef") == 64;
}

/* The heads a checkpoint holds, once its signature and tenant check out, as the JSON array
 * audit_check_checkpoints() takes: its "lanes", else its one last_id and head. NULL after
 * noting the field error. */
static const char *
crm_audit_checkpoint_read(crm_req_t *r, const char *token)
{
    const char *why = NULL;
    json_t *c = crm_jws_open(token, CRM_AUDIT_CHECKPOINT_TYP, &why);
    if (!c) {
        crm_req_field_error(r, "query.checkpoint", "is not a valid signed checkpoint: %s", why);
        return NULL;
    }
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, c);
    const char *tid = json_string_value(json_object_get(c, "tid"));
    if (!tid || strcmp(tid, r->tenant_id) != 0) {
        crm_req_field_error(r, "query.checkpoint", "is another tenant's checkpoint");
        return NULL;
    }
    json_t *lanes = json_object_get(c, "lanes");
    if (json_array_size(lanes) == 0) { /* from before lanes, or of a log with no rows yet */
        lanes = json_pack("[{sO? sO? sO?}]", "last_id", json_object_get(c, "last_id"), "last_at",
                          json_object_get(c, "last_at"), "head", json_object_get(c, "head"));
        crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, lanes);
    }
    bool valid = json_is_array(lanes) && json_array_size(lanes) > 0;
    size_t i;
    json_t *lane;
    json_array_foreach(lanes, i, lane)
    {
        valid = valid && crm_audit_head_valid(json_string_value(json_object_get(lane, "last_id")),
                                              json_string_value(json_object_get(lane, "head")));
    }
    if (!valid) {
        crm_req_field_error(r, "query.checkpoint", "lacks last_id or head");
        return NULL;
    }
    char *text = json_dumps(lanes, JSON_COMPACT);
    crm_arena_cleanup(r->arena, free, text);
    return text;
}

static json_t *
crm_audit_text_or_null(PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) ? json_null() : json_string(PQgetvalue(res, 0, col));
}

/* GET /api/v1/audit/verify[?checkpoint=JWS] ->
 * {"ok", "rows_checked", "first_broken": null | {"id", "occurred_at", "reason"}} */
void
crm_audit_verify(crm_req_t *r)
{
    const char *token = crm_req_query(r, "checkpoint");
    const char *heads = NULL;
    if (token && !(heads = crm_audit_checkpoint_read(r, token))) {
        crm_reply_problem(r, 400, "the checkpoint cannot be used");
        return;
    }
    if (!crm_tenant_slot_take(r, CRM_SLOT_VERIFY))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_set_timeout(tx, CRM_AUDIT_VERIFY_TIMEOUT_MS);
    int v = CRM_TX_ADD0(tx, crm_sql_audit_verify);
    int c = heads ? CRM_TX_ADD(tx, crm_sql_audit_check_checkpoints, heads) : -1;
    int rc = crm_tx_run(tx);
    crm_tenant_slot_give(r->tenant_id, CRM_SLOT_VERIFY);
    if (rc != 0)
        return;
    PGresult *res = crm_tx_result(tx, v);
    bool ok = PQgetvalue(res, 0, AUDIT_VERIFY_OK)[0] == 't';
    json_t *broken = json_null();
    if (!ok) {
        broken = json_pack("{so so so}", "id", crm_audit_text_or_null(res, AUDIT_VERIFY_BROKEN_ID),
                           "occurred_at", crm_audit_text_or_null(res, AUDIT_VERIFY_BROKEN_AT),
                           "reason", crm_audit_text_or_null(res, AUDIT_VERIFY_REASON));
    } else if (c >= 0 &&
               PQgetvalue(crm_tx_result(tx, c), 0, AUDIT_CHECK_CHECKPOINTS_OK)[0] != 't') {
        PGresult *check = crm_tx_result(tx, c);
        ok = false;
        broken = json_pack(
            "{so so so}", "id", crm_audit_text_or_null(check, AUDIT_CHECK_CHECKPOINTS_LAST_ID),
            "occurred_at", crm_audit_text_or_null(check, AUDIT_CHECK_CHECKPOINTS_LAST_AT), "reason",
            crm_audit_text_or_null(check, AUDIT_CHECK_CHECKPOINTS_REASON));
    }
    crm_reply_json(
        r, 200,
        json_pack("{sb sI so}", "ok", ok, "rows_checked",
                  (json_int_t)strtoll(PQgetvalue(res, 0, AUDIT_VERIFY_ROWS_CHECKED), NULL, 10),
                  "first_broken", broken));
}

/* GET /api/v1/audit/checkpoint -> the chain's head signed with the server's token key, to be
 * stored outside the database and given back to verify. */
void
crm_audit_checkpoint(crm_req_t *r)
{
    crm_tx_t *tx = crm_tx_new(r);
    int h = CRM_TX_ADD0(tx, crm_sql_audit_head);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, h);
    json_t *claims = json_pack(
        "{ss ss so ss sI so sI}", "tid", r->tenant_id, "last_id",
        PQgetvalue(res, 0, AUDIT_HEAD_LAST_ID), "last_at",
        crm_audit_text_or_null(res, AUDIT_HEAD_LAST_AT), "head",
        PQgetvalue(res, 0, AUDIT_HEAD_HEAD), "rows_total",
        (json_int_t)strtoll(PQgetvalue(res, 0, AUDIT_HEAD_ROWS_TOTAL), NULL, 10), "lanes",
        json_loads(PQgetvalue(res, 0, AUDIT_HEAD_LANES), 0, NULL), "iat", (json_int_t)time(NULL));
    char *payload = json_dumps(claims, JSON_COMPACT);
    char *token = crm_jws_sign(r->arena, CRM_AUDIT_CHECKPOINT_TYP, payload, strlen(payload));
    free(payload);
    if (!token) {
        json_decref(claims);
        crm_reply_problem(r, 503, "no signing key is configured");
        return;
    }
    json_object_set_new(claims, "checkpoint", json_string(token));
    crm_reply_json(r, 200, claims);
}
