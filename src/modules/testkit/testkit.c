/* testkit.c - a module compiled only into the test build (-Dtestkit=true): routes that let the
 * API suite drive the HTTP and database layers (JSON bodies, slow requests, transactions that
 * fail half-way) through the same seams real modules use. Never part of a release build. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db/db.h"
#include "core/util/buf.h"
#include "core/module.h"
#include "core/auth/rbac.h"
#include "core/http/request.h"
#include "testkit_testkit_sql.h"

extern const char crm_testkit_asset_openapi[];
extern const crm_migration_t crm_testkit_migrations[];

/* POST /testkit/echo: answers the parsed body. */
static void
testkit_echo(crm_req_t *r)
{
    crm_reply_json(r, 200, json_pack("{sO}", "received", r->json));
}

/* GET /testkit/sleep?ms=N: holds a database transaction for N milliseconds. */
static void
testkit_sleep(crm_req_t *r)
{
    const char *ms = crm_req_query(r, "ms");
    char *end;
    long v = ms ? strtol(ms, &end, 10) : -1;
    if (!ms || *end || v < 0 || v > 60000) {
        crm_req_field_error(r, "query.ms", "an integer from 0 to 60000 is required");
        crm_reply_problem(r, 422, "ms is not valid");
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    CRM_TX_ADD(tx, testkit_sql_sleep, ms);
    if (crm_tx_run(tx) != 0)
        return;
    crm_reply_json(r, 200, json_pack("{sI}", "slept_ms", (json_int_t)v));
}

/* POST /testkit/notes {"body": "...", "then_divide_by": 0}: inserts a note and, in the same
 * transaction, runs a division, so a zero proves that an error rolls the insert back. */
static void
testkit_create_note(crm_req_t *r)
{
    json_t *body = json_object_get(r->json, "body");
    json_t *div = json_object_get(r->json, "then_divide_by");
    if (!json_is_object(r->json)) {
        crm_reply_problem(r, 422, "the body must be a JSON object");
        return;
    }
    if (!json_is_string(body))
        crm_req_field_error(r, "body", body ? "must be a string" : "is required");
    if (div && !json_is_integer(div))
        crm_req_field_error(r, "then_divide_by", "must be an integer");
    if (r->errors) {
        crm_reply_problem(r, 422, "the note is not valid");
        return;
    }
    char divisor[32];
    snprintf(divisor, sizeof(divisor), "%lld", div ? (long long)json_integer_value(div) : 1LL);
    crm_tx_t *tx = crm_tx_new(r);
    int id = CRM_TX_ADD0(tx, testkit_sql_identity);
    int ins = CRM_TX_ADD(tx, testkit_sql_insert, json_string_value(body));
    CRM_TX_ADD(tx, testkit_sql_divide, divisor);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *who = crm_tx_result(tx, id);
    crm_reply_json(
        r, 201,
        json_pack("{ss sI s{ss ss ss ss ss ss}}", "body", json_string_value(body), "id",
                  (json_int_t)atoll(PQgetvalue(crm_tx_result(tx, ins), 0, TESTKIT_INSERT_ID)),
                  "session", "current_user", PQgetvalue(who, 0, TESTKIT_IDENTITY_CURRENT_USER),
                  "tenant_id", PQgetvalue(who, 0, TESTKIT_IDENTITY_TENANT_ID), "user_id",
                  PQgetvalue(who, 0, TESTKIT_IDENTITY_USER_ID), "request_id",
                  PQgetvalue(who, 0, TESTKIT_IDENTITY_REQUEST_ID), "statement_timeout",
                  PQgetvalue(who, 0, TESTKIT_IDENTITY_STATEMENT_TIMEOUT),
                  "idle_in_transaction_session_timeout",
                  PQgetvalue(who, 0, TESTKIT_IDENTITY_IDLE_IN_TRANSACTION_SESSION_TIMEOUT)));
}

/* POST /testkit/sever: half-closes this worker thread's database connection after making
 * sure it has one, so that its next transaction finds it dead only when it writes. */
static void
testkit_sever(crm_req_t *r)
{
    crm_tx_t *tx = crm_tx_new(r);
    CRM_TX_ADD(tx, testkit_sql_divide, "1");
    if (crm_tx_run(tx) != 0)
        return;
    crm_db_sever_thread_connection();
    crm_reply(r, 204, NULL, "", 0);
}

/* POST /testkit/conflicts?times=N: a transaction the database aborts as a deadlock victim N
 * times in a row (per request); answers on which attempt it committed. */
static void
testkit_conflicts(crm_req_t *r)
{
    const char *times = crm_req_query(r, "times");
    char *end;
    long v = times ? strtol(times, &end, 10) : -1;
    if (!times || *end || v < 0 || v > 100) {
        crm_req_field_error(r, "query.times", "an integer from 0 to 100 is required");
        crm_reply_problem(r, 422, "times is not valid");
        return;
    }
    crm_tx_t *prepare = crm_tx_new(r);
    CRM_TX_ADD(prepare, testkit_sql_conflict_prepare, r->request_id);
    if (crm_tx_run(prepare) != 0)
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, testkit_sql_conflict, r->request_id, times);
    if (crm_tx_run(tx) != 0)
        return;
    crm_reply_json(r, 200,
                   json_pack("{sI}", "committed_on_attempt",
                             (json_int_t)atoll(
                                 PQgetvalue(crm_tx_result(tx, i), 0, TESTKIT_CONFLICT_ATTEMPT))));
}

/* POST /testkit/message-context {"kind": "...", "ids": ["..."]}: runs the kind's context
 * statement on the tenant's outbox rows ids, under the caller's tenant as the delivery worker
 * does, and answers each row's context and reason and, for a kind with invitations, the one its
 * callback makes of the context ({"method", "ics"}, or null). */
static void
testkit_message_context(crm_req_t *r)
{
    const json_t *kind = json_object_get(r->json, "kind"), *ids = json_object_get(r->json, "ids");
    const crm_message_kind_t *k =
        json_is_string(kind) ? crm_message_kind_find(json_string_value(kind)) : NULL;
    if (!k || !k->context)
        crm_req_field_error(r, "kind", "must name a message kind");
    crm_buf_t list;
    crm_buf_init(&list, r->arena, 128);
    crm_buf_putc(&list, '{');
    size_t i;
    const json_t *id;
    json_array_foreach(ids, i, id)
    {
        if (!json_is_string(id) || strpbrk(json_string_value(id), ",{}\"") != NULL)
            break;
        crm_buf_printf(&list, "%s%s", i ? "," : "", json_string_value(id));
    }
    crm_buf_putc(&list, '}');
    if (!json_is_array(ids) || i < json_array_size(ids))
        crm_req_field_error(r, "ids", "must be an array of outbox ids");
    if (r->errors) {
        crm_reply_problem(r, 422, "the request is not valid");
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    int q = crm_tx_add(tx, k->context, 1, (const char *const[]){list.data});
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, q);
    int cid = PQfnumber(res, "id"), cctx = PQfnumber(res, "context"),
        cwhy = PQfnumber(res, "reason");
    json_t *data = json_array();
    for (int row = 0; row < PQntuples(res); row++) {
        json_t *ctx = json_loads(PQgetvalue(res, row, cctx), 0, NULL);
        json_t *inv = json_null();
        char *ics;
        const char *method;
        if (k->invitation && k->invitation(ctx, &ics, &method) == 0) {
            inv = json_pack("{ss ss}", "method", method, "ics", ics);
            free(ics);
        }
        json_array_append_new(data, json_pack("{ss so so so}", "id", PQgetvalue(res, row, cid),
                                              "context", ctx, "reason",
                                              PQgetisnull(res, row, cwhy)
                                                  ? json_null()
                                                  : json_string(PQgetvalue(res, row, cwhy)),
                                              "invitation", inv));
    }
    crm_reply_json(r, 200, json_pack("{so}", "data", data));
}

/* GET /testkit/protected: a route with a permission, to prove deny by default. */
static void
testkit_protected(crm_req_t *r)
{
    crm_reply_json(r, 200, json_pack("{ss}", "status", "authorised"));
}

static const char *const testkit_sleep_query[] = {"ms", NULL};
static const char *const testkit_conflicts_query[] = {"times", NULL};

static const crm_route_t testkit_routes[] = {
    {"POST", "/testkit/echo", testkit_echo, CRM_PERM_PUBLIC, NULL, CRM_ROUTE_JSON_BODY},
    {"GET", "/testkit/sleep", testkit_sleep, CRM_PERM_PUBLIC, testkit_sleep_query, 0},
    {"POST", "/testkit/notes", testkit_create_note, CRM_PERM_PUBLIC, NULL, CRM_ROUTE_JSON_BODY},
    {"GET", "/testkit/protected", testkit_protected, "testkit.read", NULL, 0},
    {"POST", "/testkit/message-context", testkit_message_context, "testkit.read", NULL,
     CRM_ROUTE_JSON_BODY},
    {"POST", "/testkit/sever", testkit_sever, CRM_PERM_PUBLIC, NULL, 0},
    {"POST", "/testkit/conflicts", testkit_conflicts, CRM_PERM_PUBLIC, testkit_conflicts_query, 0},
    {NULL, NULL, NULL, NULL, NULL, 0},
};

static const crm_permission_t testkit_permissions[] = {
    {"testkit.read", "call the protected test route", "receptionist"},
    {NULL, NULL, NULL},
};

/* A contact type of a module that is not the clinic's: sticky (a volunteer stays one), not a
 * subject of the audit log. */
static const crm_contact_type_t testkit_contact_types[] = {
    {.name = "volunteer", .plural = "volunteers", .sticky = true},
    {NULL},
};

const crm_module_t crm_testkit_module = {
    .name = "testkit",
    .description = "Routes and hooks that exist only for the API test suite.",
    .routes = testkit_routes,
    .migrations = crm_testkit_migrations,
    .permissions = testkit_permissions,
    .contact_types = testkit_contact_types,
    .openapi = crm_testkit_asset_openapi,
    .init = NULL,
    /* contact hooks, to prove the seam: a timeline entry, an export, an erasure refusal */
    .contact = {.timeline = &testkit_sql_timeline,
                .export_records = &testkit_sql_export,
                .erase = &testkit_sql_erase},
};
