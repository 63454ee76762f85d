/* tenant_archive.c - what `crm tenant export` and `crm tenant import` share: the connection
 * acting for one tenant and running statements with their errors kept */
#include "cli/tenant_archive.h"

#include <stdio.h>
#include <string.h>

#include "cli_tenant_archive_sql.h"

static PGresult *
crm_archive_check(PGconn *pg, PGresult *res, ExecStatusType want, char *err, size_t errlen)
{
    if (PQresultStatus(res) == want)
        return res;
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(pg);
    snprintf(err, errlen, "%s", msg && *msg ? msg : "the database gave no answer");
    size_t n = strlen(err);
    while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
        err[--n] = '\0';
    PQclear(res);
    return NULL;
}

PGresult *
crm_archive_run(PGconn *pg, const crm_stmt_t *s, int nparams, const char *const *params,
                ExecStatusType want, char *err, size_t errlen)
{
    return crm_archive_check(pg, PQexecParams(pg, s->sql, nparams, NULL, params, NULL, NULL, 0),
                             want, err, errlen);
}

PGresult *
crm_archive_exec(PGconn *pg, const char *sql, ExecStatusType want, char *err, size_t errlen)
{
    return crm_archive_check(pg, PQexec(pg, sql), want, err, errlen);
}

PGconn *
crm_archive_connect(const char *url, const char *tenant_id, char *err, size_t errlen)
{
    PGconn *pg = PQconnectdb(url);
    if (PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to the database: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    const char *params[] = {tenant_id};
    PGresult *res = CRM_ARCHIVE_RUN(pg, crm_sql_archive_context, params, PGRES_TUPLES_OK, err);
    if (!res) {
        PQfinish(pg);
        return NULL;
    }
    PQclear(res);
    return pg;
}
