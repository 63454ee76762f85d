/* db_export.h - a COPY ... TO STDOUT streamed as a response body, audited when it ends */
#ifndef CRM_CORE_DB_EXPORT_H
#define CRM_CORE_DB_EXPORT_H

#include <libpq-fe.h>

#include "core/db/db.h"
#include "core/http/request.h"

/* What the audit row of an export says: the entity type exported and the format; the server
 * adds the request's filters (its declared query parameters), how many records went out and
 * whether the client took them all. */
typedef struct crm_export_audit {
    const char *entity_type;
    const char *format;
    int header_rows; /* COPY rows that are not records (a CSV header) */
} crm_export_audit_t;

/* Takes one of the tenant's export slots (429 beyond CRM_TENANT_EXPORTS at once) and a
 * database connection of its own (crm_db_dedicated_open: CRM_EXPORT_TIMEOUT_MS bounds it, a
 * slow reader included). NULL after replying. Pass the connection to crm_export_stream. */
PGconn *crm_export_open(crm_req_t *r);

/* A parameter of an export's COPY: its value (NULL for SQL NULL) and the field a fault of it
 * is reported under ("query.type"). */
typedef struct crm_export_param {
    const char *field;
    const char *value;
} crm_export_param_t;

/* The text of copy, a COPY statement of a .sql file, with each of its parameters $n replaced
 * by the SQL literal of params[n - 1] ("NULL" for NULL) as pg escapes it: a COPY takes no
 * parameters. Freed with the request. A value libpq cannot escape is recorded as an error of
 * its field (crm_export_stream then answers 400 without running anything). */
const char *crm_export_sql(crm_req_t *r, PGconn *pg, const crm_stmt_t *copy, int nparams,
                           const crm_export_param_t *params);
/* crm_export_sql with an array of parameters, checked at compile time against the
 * statement's $n count. */
#define CRM_EXPORT_SQL(r, pg, S, params)                                                           \
    crm_export_sql((r), (pg), &(S), CRM_SQL_NPARAMS(S, CRM_COUNT(params)), (params))

/* Starts copy_sql (a COPY ... TO STDOUT) on pg, from crm_export_open, and streams its rows as
 * the 200 response. An audited export is first written to the audit log (its filters, with
 * "stage": "started") and committed, or not made at all (503); when the stream ends, however
 * it ends, a second row ("stage": "finished") records the records sent and whether the client
 * took them all. Replies 400 after a literal error, 503 when the COPY cannot start. Takes pg
 * and the export slot in every case. */
void crm_export_stream(crm_req_t *r, PGconn *pg, const char *copy_sql, const char *content_type,
                       const char *filename, const crm_export_audit_t *audit);

#endif
