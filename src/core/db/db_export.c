/* db_export.c - exports streamed from COPY on a dedicated connection. Before the first byte,
 * the export (who, what, which filters) is written to the audit log and committed: an export
 * that cannot be recorded is not made. Rows go out as the client reads them; when the stream
 * ends (finished, failed or abandoned by the client) the rest of the COPY is drained and a
 * second audit row records how many records went out and whether the client took them all. */
#include "core/db/db_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db/db.h"
#include "core/util/buf.h"
#include "core/db/listing.h"
#include "core/util/log.h"
#include "core/http/tenant_slots.h"
#include "db_db_export_sql.h"

typedef struct crm_export {
    PGconn *pg;
    char *chunk; /* the COPY row being sent */
    int len, off;
    long rows;             /* rows handed to the client */
    bool failed, ended;    /* the COPY's own end has been read */
    char *entity, *detail; /* the audit row's; NULL: not audited */
    int header_rows;
    char *tenant_id; /* whose export slot this holds */
} crm_export_t;

/* Reads the COPY's final result after its last row. */
static void
crm_export_end(crm_export_t *e)
{
    PGresult *res = PQgetResult(e->pg);
    e->failed |= PQresultStatus(res) != PGRES_COMMAND_OK;
    PQclear(res);
    e->ended = true;
}

static long
crm_export_read(void *cls, char *buf, size_t max)
{
    crm_export_t *e = cls;
    if (e->off == e->len) {
        if (e->chunk)
            PQfreemem(e->chunk);
        e->chunk = NULL;
        e->len = e->off = 0;
        if (e->ended)
            return e->failed ? -1 : 0;
        int n = PQgetCopyData(e->pg, &e->chunk, 0);
        if (n == -1) {
            crm_export_end(e);
            return e->failed ? -1 : 0;
        }
        if (n < 0) {
            e->failed = e->ended = true;
            return -1;
        }
        e->len = n;
        e->rows++;
    }
    size_t n = (size_t)(e->len - e->off) < max ? (size_t)(e->len - e->off) : max;
    memcpy(buf, e->chunk + e->off, n);
    e->off += (int)n;
    return (long)n;
}

static void
crm_export_done(void *cls)
{
    crm_export_t *e = cls;
    bool complete = e->ended && !e->failed && e->off == e->len;
    if (e->chunk)
        PQfreemem(e->chunk);
    if (!e->ended) { /* the client went away: drain the rest so the transaction can go on */
        char *row;
        int n;
        while ((n = PQgetCopyData(e->pg, &row, 0)) >= 0)
            PQfreemem(row);
        e->failed |= n != -1;
        if (n == -1)
            crm_export_end(e);
    }
    bool ok = e->ended;
    if (ok && e->entity) {
        char rows[24];
        snprintf(rows, sizeof(rows), "%ld",
                 e->rows > e->header_rows ? e->rows - e->header_rows : 0);
        const char *params[] = {e->entity, e->detail, rows, complete ? "true" : "false"};
        const char *bound[CRM_TX_MAX_PARAMS + 1];
        int sent = CRM_SQL_NPARAMS(crm_sql_export_finished, CRM_COUNT(params));
        const char *const *values =
            crm_stmt_params(&crm_sql_export_finished, sent, params, e->tenant_id, bound, &sent);
        PGresult *res =
            PQexecParams(e->pg, crm_sql_export_finished.sql, sent, NULL, values, NULL, NULL, 0);
        ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        if (!ok)
            crm_error("export audit: %s", PQresultErrorMessage(res));
        PQclear(res);
    }
    crm_db_dedicated_close(e->pg, ok);
    crm_tenant_slot_give(e->tenant_id, CRM_SLOT_EXPORT);
    free(e->entity);
    free(e->detail);
    free(e->tenant_id);
    free(e);
}

PGconn *
crm_export_open(crm_req_t *r)
{
    if (!crm_tenant_slot_take(r, CRM_SLOT_EXPORT))
        return NULL;
    PGconn *pg = crm_db_dedicated_open(r);
    if (!pg)
        crm_tenant_slot_give(r->tenant_id, CRM_SLOT_EXPORT);
    return pg;
}

/* An SQL literal of v ("NULL" for NULL), or "NULL" after recording a fault of field. */
static const char *
crm_export_literal(crm_req_t *r, PGconn *pg, const char *field, const char *v)
{
    if (!v)
        return "NULL";
    char *lit = PQescapeLiteral(pg, v, strlen(v));
    if (!lit) { /* not text the database takes: never pass it on */
        crm_req_field_error(r, field, "cannot be used: %s", PQerrorMessage(pg));
        return "NULL";
    }
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)PQfreemem, lit);
    return lit;
}

const char *
crm_export_sql(crm_req_t *r, PGconn *pg, const crm_stmt_t *copy, int nparams,
               const crm_export_param_t *params)
{
    /* the request's tenant where the statement names it (crm_stmt_t.tenant), after the rest */
    int total = copy->tenant ? copy->tenant : nparams;
    const char **lits = crm_arena_calloc(r->arena, (size_t)(total + 1) * sizeof(*lits));
    for (int i = 0; i < nparams; i++)
        lits[i] = crm_export_literal(r, pg, params[i].field, params[i].value);
    if (copy->tenant)
        lits[total - 1] = crm_export_literal(r, pg, "tenant", r->tenant_id);
    crm_buf_t sql;
    crm_buf_init(&sql, r->arena, strlen(copy->sql) + 256);
    for (const char *p = copy->sql; *p;) {
        if (*p == '\'' || *p == '"') { /* a literal or quoted name, '' and "" included */
            size_t n = strcspn(p + 1, *p == '\'' ? "'" : "\"") + 1;
            n += p[n] != '\0';
            crm_buf_append(&sql, p, n);
            p += n;
        } else if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
            char *end;
            long n = strtol(p + 1, &end, 10);
            if (n >= 1 && n <= total)
                crm_buf_puts(&sql, lits[n - 1]);
            else /* not a parameter it was given: the database will say so */
                crm_buf_append(&sql, p, (size_t)(end - p));
            p = end;
        } else {
            crm_buf_putc(&sql, *p++);
        }
    }
    return sql.data;
}

/* The export, with its filters, on record in a transaction of its own, committed before the
 * stream starts. 0 when written; -1 after replying 503. */
static int
crm_export_record_start(crm_req_t *r, const char *entity, const char *detail)
{
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_quiet(tx);
    CRM_TX_ADD(tx, crm_sql_export_started, entity, detail);
    if (crm_tx_run(tx) == 0)
        return 0;
    crm_error("export of %s not started: its audit row could not be written", entity);
    crm_req_add_header(r, "Retry-After", "1");
    crm_reply_problem(r, 503, "the export cannot be recorded in the audit log now; retry shortly");
    return -1;
}

void
crm_export_stream(crm_req_t *r, PGconn *pg, const char *copy_sql, const char *content_type,
                  const char *filename, const crm_export_audit_t *audit)
{
    const char *detail = audit ? crm_arena_sprintf(r->arena, "{\"format\":\"%s\",\"filters\":%s}",
                                                   audit->format, crm_page_query_json(r))
                               : NULL;
    bool ok = !r->errors;
    if (!ok)
        crm_reply_problem(r, 400, "the export parameters are not valid");
    else if (audit)
        ok = crm_export_record_start(r, audit->entity_type, detail) == 0;
    if (ok) {
        PGresult *res = PQexec(pg, copy_sql);
        ok = PQresultStatus(res) == PGRES_COPY_OUT;
        if (!ok) { /* e.g. its statement timeout ran out while it waited for a lock */
            crm_error("export: %s", PQresultErrorMessage(res));
            crm_req_add_header(r, "Retry-After", "5");
            crm_reply_problem(r, 503, "the export could not start; retry shortly");
        }
        PQclear(res);
    }
    if (!ok) {
        crm_db_dedicated_close(pg, false);
        crm_tenant_slot_give(r->tenant_id, CRM_SLOT_EXPORT);
        return;
    }
    crm_export_t *e = crm_xcalloc(1, sizeof(*e));
    e->pg = pg;
    e->tenant_id = crm_xstrdup(r->tenant_id);
    if (audit) {
        e->entity = crm_xstrdup(audit->entity_type);
        e->detail = crm_xstrdup(detail);
        e->header_rows = audit->header_rows;
    }
    crm_req_add_header(r, "Content-Disposition",
                       crm_arena_sprintf(r->arena, "attachment; filename=\"%s\"", filename));
    crm_req_add_header(r, "Cache-Control", "no-store");
    crm_reply_stream(r, 200, content_type, crm_export_read, crm_export_done, e);
}
