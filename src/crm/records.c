/* records.c - what every tenant record's routes share: read by id, ETag and If-Match, soft
 * delete and restore */
#include "crm/records.h"

#include <string.h>

#include "core/util/buf.h"
#include "core/db/idempotency.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/custom_fields.h"

void
crm_reply_record(crm_req_t *r, int status, PGresult *res)
{
    crm_req_add_header(
        r, "ETag", crm_arena_sprintf(r->arena, "\"%s\"", PQgetvalue(res, 0, CRM_RECORD_VERSION)));
    crm_reply(r, status, "application/json", PQgetvalue(res, 0, CRM_RECORD_JSON),
              (size_t)PQgetlength(res, 0, CRM_RECORD_JSON));
}

const char *
crm_record_id(crm_req_t *r, const char *what)
{
    const char *id = crm_req_param(r, "id");
    if (!id || !crm_uuid_valid(id)) {
        crm_reply_problem(r, 404, "no such %s", what);
        return NULL;
    }
    return id;
}

bool
crm_record_if_match(crm_req_t *r, bool required, const char **version)
{
    *version = NULL;
    const char *h = crm_req_header(r, "If-Match");
    if (!h) {
        if (required)
            crm_reply_problem(r, 428, "changes need If-Match with the ETag of the version read");
        return !required;
    }
    if (strcmp(h, "*") == 0) { /* any current version: no protection against lost updates */
        if (required)
            crm_reply_problem(r, 428,
                              "changes need If-Match with the ETag of the version read,"
                              " not *");
        return !required;
    }
    if (strncmp(h, "W/", 2) == 0)
        h += 2;
    size_t n = strlen(h);
    bool ok = n >= 3 && n <= 12 && h[0] == '"' && h[n - 1] == '"';
    for (size_t i = 1; ok && i + 1 < n; i++)
        ok = h[i] >= '0' && h[i] <= '9';
    /* An ETag this API never gave out matches no version: the change then answers 412 when
     * the record exists and 404 when it does not, like any other (RFC 9110 13.2.1). */
    *version = ok ? crm_arena_strndup(r->arena, h + 1, n - 2) : CRM_RECORD_VERSION_NONE;
    return true;
}

void
crm_record_get(crm_req_t *r, const crm_stmt_t *stmt, const char *what, const crm_stmt_t *audit)
{
    const char *id = crm_record_id(r, what);
    if (!id)
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i = crm_tx_add(tx, stmt, 1, (const char *[]){id});
    if (audit)
        crm_tx_add(tx, audit, 1, (const char *[]){id});
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, i)) != 1)
        crm_reply_problem(r, 404, "no such %s", what);
    else
        crm_reply_record(r, 200, crm_tx_result(tx, i));
}

void
crm_record_delete(crm_req_t *r, const crm_stmt_t *stmt, const char *what)
{
    const char *id = crm_record_id(r, what), *version;
    if (!id || !crm_record_if_match(r, false, &version))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i = crm_tx_add(tx, stmt, 2, (const char *[]){id, version});
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    if (strcmp(PQgetvalue(res, 0, CRM_DELETE_DELETED), "1") == 0)
        crm_reply(r, 204, NULL, "", 0);
    else if (!PQgetisnull(res, 0, CRM_DELETE_VERSION))
        crm_reply_problem(r, 412, "the %s changed since that version; fetch it again", what);
    else
        crm_reply_problem(r, 404, "no such %s", what);
}

void
crm_record_restore(crm_req_t *r, const crm_stmt_t *stmt, const char *what)
{
    const char *id = crm_record_id(r, what);
    if (!id)
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i = crm_tx_add(tx, stmt, 1, (const char *[]){id});
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, i)) != 1)
        crm_reply_problem(r, 404, "no such deleted %s (or its restore window has passed)", what);
    else
        crm_reply_record(r, 200, crm_tx_result(tx, i));
}

const char *
crm_record_patch_mask(crm_req_t *r, const char *const *fields)
{
    crm_buf_t b;
    crm_buf_init(&b, r->arena, 128);
    crm_buf_putc(&b, '{');
    for (const char *const *f = fields; *f; f++)
        if (crm_field_present(r, *f))
            crm_buf_printf(&b, "%s%s", b.len > 1 ? "," : "", *f);
    crm_buf_putc(&b, '}');
    return b.data;
}

bool
crm_record_constraint_fault(crm_req_t *r, crm_tx_t *tx, const crm_constraint_field_t *map, size_t n,
                            const char *what)
{
    const char *cons = crm_tx_constraint(tx);
    if (crm_idem_conflict(r, cons))
        return true;
    for (size_t i = 0; cons && i < n; i++) {
        if (crm_db_constraint_is(cons, map[i].constraint)) {
            crm_req_field_error(r, map[i].field, "%s", map[i].message);
            crm_reply_problem(r, 422, "the %s is not valid", what);
            return true;
        }
    }
    return false;
}

void
crm_record_create(crm_req_t *r, const char *entity, const char *collection,
                  const crm_stmt_t *insert, const char **values, int nvalues, int custom,
                  const crm_idem_t *idem, const crm_constraint_field_t *map, size_t nmap)
{
    const char *invalid = crm_arena_sprintf(r->arena, "the %s is not valid", entity);
    PGresult *res = NULL;
    for (int attempt = 0; !res; attempt++) {
        if (!crm_custom_fields_remembered(r, entity, true, &values[nvalues - 2],
                                          &values[nvalues - 1], &values[custom]) ||
            crm_fields_failed(r, invalid))
            return;
        crm_tx_t *tx = crm_tx_new(r);
        crm_idem_purge(tx, idem);
        int i = crm_tx_add(tx, insert, nvalues, values);
        if (crm_tx_run(tx) != 0) {
            crm_record_constraint_fault(r, tx, map, nmap, entity);
            return;
        }
        res = crm_tx_result(tx, i);
        if (crm_idem_replayed(r, idem, res, CRM_CREATE_PRIOR))
            return;
        crm_context_state_t state =
            crm_entity_context_after(r, entity, res, CRM_CREATE_CONTEXT, attempt);
        if (state == CRM_CONTEXT_GAVE_UP)
            return;
        if (state == CRM_CONTEXT_STALE)
            res = NULL;
    }
    if (PQgetisnull(res, 0, CRM_RECORD_JSON)) {
        crm_req_field_error(r, "contact_id", "is not a contact of this tenant");
        crm_reply_problem(r, 422, "%s", invalid);
        return;
    }
    crm_req_add_header(
        r, "Location",
        crm_arena_sprintf(r->arena, "%s/%s", collection, PQgetvalue(res, 0, CRM_CREATE_ID)));
    crm_reply_record(r, 201, res);
}

void
crm_record_patch(crm_req_t *r, const char *entity, const crm_stmt_t *update,
                 const crm_stmt_t *version, const char **values, int nvalues, int custom,
                 const crm_constraint_field_t *map, size_t nmap)
{
    for (int attempt = 0;; attempt++) {
        if (!crm_custom_fields_remembered(r, entity, false, &values[nvalues - 2],
                                          &values[nvalues - 1], &values[custom]) ||
            crm_fields_failed(r, "the change is not valid"))
            return;
        crm_tx_t *tx = crm_tx_new(r);
        int u = crm_tx_add(tx, update, nvalues, values);
        int v = crm_tx_add(tx, version, 1, values);
        if (crm_tx_run(tx) != 0) {
            crm_record_constraint_fault(r, tx, map, nmap, "change");
            return;
        }
        PGresult *res = crm_tx_result(tx, u);
        crm_context_state_t state =
            crm_entity_context_after(r, entity, res, CRM_PATCH_CONTEXT, attempt);
        if (state == CRM_CONTEXT_GAVE_UP)
            return;
        if (state == CRM_CONTEXT_STALE)
            continue;
        if (!PQgetisnull(res, 0, CRM_RECORD_JSON))
            crm_reply_record(r, 200, res);
        else if (PQntuples(crm_tx_result(tx, v)) == 1)
            crm_reply_problem(r, 412, "the %s changed since that version; fetch it again", entity);
        else
            crm_reply_problem(r, 404, "no such %s", entity);
        return;
    }
}
