/* db_export.c - exports streamed from COPY on a dedicated connection. Rows go out as the client
 * reads them; when the stream ends (finished, failed or abandoned by the client) the rest of
 * the COPY is drained, the export's audit row written with the number of records sent, and
 * the transaction committed: an export cut short is still on record. */
#include "core/db_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/listing.h"
#include "core/log.h"

typedef struct crm_export {
    PGconn *pg;
    char *chunk; /* the COPY row being sent */
    int len, off;
    long rows;             /* rows handed to the client */
    bool failed, ended;    /* the COPY's own end has been read */
    char *entity, *detail; /* the audit row's; NULL: not audited */
    int header_rows;
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
        PGresult *res =
            PQexecParams(e->pg,
                         "SELECT audit_read('export', $1, NULL, NULL, $2::jsonb ||"
                         " jsonb_build_object('records', $3::bigint, 'complete', $4::boolean))",
                         4, NULL, params, NULL, NULL, 0);
        ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        if (!ok)
            crm_error("export audit: %s", PQresultErrorMessage(res));
        PQclear(res);
    }
    crm_db_dedicated_close(e->pg, ok);
    free(e->entity);
    free(e->detail);
    free(e);
}

const char *
crm_export_literal(crm_req_t *r, PGconn *pg, const char *v)
{
    if (!v)
        return "NULL";
    char *lit = PQescapeLiteral(pg, v, strlen(v));
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)PQfreemem, lit);
    return lit;
}

void
crm_export_stream(crm_req_t *r, PGconn *pg, const char *copy_sql, const char *content_type,
                  const char *filename, const crm_export_audit_t *audit)
{
    PGresult *res = PQexec(pg, copy_sql);
    bool ok = PQresultStatus(res) == PGRES_COPY_OUT;
    if (!ok)
        crm_error("export: %s", PQresultErrorMessage(res));
    PQclear(res);
    if (!ok) {
        crm_db_dedicated_close(pg, false);
        crm_reply_problem(r, 500, "the export could not start");
        return;
    }
    crm_export_t *e = crm_xcalloc(1, sizeof(*e));
    e->pg = pg;
    if (audit) {
        e->entity = crm_xstrdup(audit->entity_type);
        e->detail = crm_xstrdup(crm_arena_sprintf(r->arena, "{\"format\":\"%s\",\"filters\":%s}",
                                                  audit->format, crm_page_query_json(r)));
        e->header_rows = audit->header_rows;
    }
    crm_req_add_header(r, "Content-Disposition",
                       crm_arena_sprintf(r->arena, "attachment; filename=\"%s\"", filename));
    crm_req_add_header(r, "Cache-Control", "no-store");
    crm_reply_stream(r, 200, content_type, crm_export_read, crm_export_done, e);
}
