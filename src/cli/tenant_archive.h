/* tenant_archive.h - `crm tenant export` and `crm tenant import`: one tenant's rows as a
 * versioned ustar archive (docs/operations.md, "Moving a tenant"), and what both sides share */
#ifndef CRM_CLI_TENANT_ARCHIVE_H
#define CRM_CLI_TENANT_ARCHIVE_H

#include <libpq-fe.h>
#include <stddef.h>

#include "core/db/db.h"

/* The archive: archive.json first (format, version, the tenant, the schema's migrations and
 * each table's columns), then tables/NAME.csv for each table (COPY's CSV with a header), then
 * manifest.json (each file's rows, bytes and SHA-256, and the tenant's files: none yet). */
#define CRM_ARCHIVE_FORMAT    "crm-tenant-archive"
#define CRM_ARCHIVE_VERSION   1
#define CRM_ARCHIVE_HEAD      "archive.json"
#define CRM_ARCHIVE_MANIFEST  "manifest.json"
#define CRM_ARCHIVE_TABLE_DIR "tables/"
#define CRM_ARCHIVE_TABLE_EXT ".csv"
/* archive.json and manifest.json are read whole: no more than this */
#define CRM_ARCHIVE_JSON_MAX (16u << 20)

/* Connects to url for tenant_id (row-level security) as the command line. NULL with why. */
PGconn *crm_archive_connect(const char *url, const char *tenant_id, char *err, size_t errlen);

/* Runs statement s with its parameters (text, NULL for NULL); the result when its status is
 * want, else NULL with the server's message in err. */
PGresult *crm_archive_run(PGconn *pg, const crm_stmt_t *s, int nparams, const char *const *params,
                          ExecStatusType want, char *err, size_t errlen);
#define CRM_ARCHIVE_RUN(pg, S, params, want, err)                                                  \
    crm_archive_run((pg), &(S), CRM_SQL_NPARAMS(S, CRM_COUNT(params)), (params), (want), (err),    \
                    sizeof(err))
#define CRM_ARCHIVE_RUN0(pg, S, want, err)                                                         \
    crm_archive_run((pg), &(S), CRM_SQL_NPARAMS(S, 0), NULL, (want), (err), sizeof(err))
/* crm_archive_run of a plain SQL text (a COPY or INSERT that a statement wrote). */
PGresult *crm_archive_exec(PGconn *pg, const char *sql, ExecStatusType want, char *err,
                           size_t errlen);

/* The commands: 0, or 1 after printing why. */
int crm_cli_tenant_export(const char *url, const char *tenant_id, const char *out);
int crm_cli_tenant_import(const char *url, const char *in);

#endif
