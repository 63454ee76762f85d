/* statements.c - checks the embedded statements against a database: PostgreSQL prepares each
 * and describes its parameters and result columns, which must be what its .sql file says */
#include "core/db/statements.h"

#include <stdlib.h>
#include <string.h>

/* The disagreements between e's declared result columns and desc's; printed to out. */
static int
crm_sql_check_columns(const crm_sql_entry_t *e, PGresult *desc, FILE *out)
{
    int n = PQnfields(desc), i = 0, faults = 0;
    const char *p = e->columns;
    for (; *p; i++) {
        size_t len = strcspn(p, ",");
        const char *got = i < n ? PQfname(desc, i) : NULL;
        if (!got || strlen(got) != len || strncmp(got, p, len) != 0) {
            fprintf(out, "%s (%s): column %d is declared %.*s, but the database names it %s\n",
                    e->stmt->name, e->where, i, (int)len, p, got ? got : "(nothing)");
            faults++;
        }
        p += len + (p[len] == ',');
    }
    if (n != i) {
        fprintf(out, "%s (%s): %d result columns declared, the database describes %d\n",
                e->stmt->name, e->where, i, n);
        faults++;
    }
    return faults;
}

/* The query of a COPY (query) TO statement, which PostgreSQL prepares and describes as any
 * other (the COPY itself declares no parameters and no columns); NULL for another statement.
 * The caller frees it. */
static char *
crm_sql_copy_query(const char *sql)
{
    if (strncmp(sql, "COPY (", 6) != 0)
        return NULL;
    int depth = 1;
    for (const char *p = sql + 6; *p; p++) {
        if (*p == '\'' || *p == '"') { /* a literal or quoted name: '' reopens it */
            const char *close = strchr(p + 1, *p);
            if (!close)
                return NULL;
            p = close;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')' && --depth == 0) {
            return strndup(sql + 6, (size_t)(p - sql - 6));
        }
    }
    return NULL;
}

int
crm_sql_check(PGconn *pg, const crm_sql_entry_t *table, FILE *out)
{
    int faults = 0;
    for (const crm_sql_entry_t *e = table; e->stmt; e++) {
        char *query = crm_sql_copy_query(e->stmt->sql);
        PGresult *res = PQprepare(pg, "", query ? query : e->stmt->sql, 0, NULL);
        free(query);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            fprintf(out, "%s (%s): %s", e->stmt->name, e->where, PQresultErrorMessage(res));
            PQclear(res);
            faults++;
            continue;
        }
        PQclear(res);
        PGresult *desc = PQdescribePrepared(pg, "");
        if (PQresultStatus(desc) != PGRES_COMMAND_OK) {
            fprintf(out, "%s (%s): %s", e->stmt->name, e->where, PQresultErrorMessage(desc));
            faults++;
        } else {
            if (PQnparams(desc) != e->nparams) {
                fprintf(out, "%s (%s): $1..$%d in its SQL, the database counts %d parameters\n",
                        e->stmt->name, e->where, e->nparams, PQnparams(desc));
                faults++;
            }
            if (e->columns)
                faults += crm_sql_check_columns(e, desc, out);
        }
        PQclear(desc);
    }
    return faults;
}
