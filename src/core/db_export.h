/* db_export.h - a COPY ... TO STDOUT streamed as a response body, audited when it ends */
#ifndef CRM_CORE_DB_EXPORT_H
#define CRM_CORE_DB_EXPORT_H

#include <libpq-fe.h>

#include "core/request.h"

/* What the audit row of an export says: the entity type exported and the format; the server
 * adds the request's filters (its declared query parameters), how many records went out and
 * whether the client took them all. */
typedef struct crm_export_audit {
    const char *entity_type;
    const char *format;
    int header_rows; /* COPY rows that are not records (a CSV header) */
} crm_export_audit_t;

/* An SQL literal of v ("NULL" for NULL) for a COPY, which takes no parameters; freed with the
 * request. */
const char *crm_export_literal(crm_req_t *r, PGconn *pg, const char *v);

/* Starts copy_sql (a COPY ... TO STDOUT) on pg, a connection from crm_db_dedicated_open, and
 * streams its rows as the 200 response. When the stream ends, however it ends, the export is
 * written to the audit log and the transaction committed. Replies 500 when the COPY cannot
 * start. Takes pg in every case. */
void crm_export_stream(crm_req_t *r, PGconn *pg, const char *copy_sql, const char *content_type,
                       const char *filename, const crm_export_audit_t *audit);

#endif
