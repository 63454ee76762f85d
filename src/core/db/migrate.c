/* migrate.c - applies embedded SQL migrations in order, one transaction each, with checksums */
#include "core/db/migrate.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/db/db.h"
#include "core/util/arena.h"
#include "core/module.h"
#include "core/auth/rbac.h"
#include "db_migrate_sql.h"
#include "core/contact_types.h"

void
crm_migration_checksum(const char *sql, char out[CRM_CHECKSUM_HEX])
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, (const unsigned char *)sql, strlen(sql));
    sodium_bin2hex(out, CRM_CHECKSUM_HEX, hash, sizeof(hash));
}

static const crm_applied_t *
crm_find_applied(const char *module, int version, const crm_applied_t *applied, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (applied[i].version == version && strcmp(applied[i].module, module) == 0)
            return &applied[i];
    return NULL;
}

int
crm_migrate_check(const char *module, const crm_migration_t *embedded, const crm_applied_t *applied,
                  size_t napplied, size_t *pending, char *err, size_t errlen)
{
    *pending = 0;
    int prev = 0;
    for (const crm_migration_t *m = embedded; m && m->sql; m++) {
        if (m->version <= prev) {
            snprintf(err, errlen, "%s: migration %s is out of order or numbered twice", module,
                     m->name);
            return -1;
        }
        prev = m->version;
        const crm_applied_t *a = crm_find_applied(module, m->version, applied, napplied);
        if (!a) {
            (*pending)++;
            continue;
        }
        char sum[CRM_CHECKSUM_HEX];
        crm_migration_checksum(m->sql, sum);
        if (strcmp(sum, a->checksum) != 0) {
            snprintf(err, errlen,
                     "%s: migration %s was changed after it was applied (checksum %.12s..., "
                     "database has %.12s...); add a new migration instead",
                     module, m->name, sum, a->checksum);
            return -1;
        }
    }
    return 0;
}

int
crm_migrate_check_result(PGresult *rows, size_t *pending, char *err, size_t errlen)
{
    int n = PQntuples(rows);
    crm_applied_t *applied = crm_xcalloc((size_t)n + 1, sizeof(*applied));
    for (int i = 0; i < n; i++) {
        applied[i].module = PQgetvalue(rows, i, MIGRATIONS_APPLIED_MODULE);
        applied[i].version = atoi(PQgetvalue(rows, i, MIGRATIONS_APPLIED_VERSION));
        applied[i].checksum = PQgetvalue(rows, i, MIGRATIONS_APPLIED_CHECKSUM);
    }
    *pending = 0;
    int rc = 0;
    for (const crm_module_t *const *mp = crm_modules; *mp && rc == 0; mp++) {
        size_t p = 0;
        rc = crm_migrate_check((*mp)->name, (*mp)->migrations, applied, (size_t)n, &p, err, errlen);
        *pending += p;
    }
    free(applied);
    return rc;
}

static int
crm_apply_one(PGconn *conn, const char *module, const crm_migration_t *m, char *err, size_t errlen)
{
    if (crm_db_exec(conn, "BEGIN", 0, NULL, m->name, err, errlen) != 0)
        return -1;
    if (crm_db_exec(conn, m->sql, 0, NULL, m->name, err, errlen) != 0) {
        PQclear(PQexec(conn, "ROLLBACK"));
        return -1;
    }
    char sum[CRM_CHECKSUM_HEX], version[16];
    crm_migration_checksum(m->sql, sum);
    snprintf(version, sizeof(version), "%d", m->version);
    const char *params[] = {module, version, m->name, sum};
    PGresult *res = PQexecParams(conn, crm_sql_migration_record.sql,
                                 CRM_SQL_NPARAMS(crm_sql_migration_record, CRM_COUNT(params)), NULL,
                                 params, NULL, NULL, 0);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, errlen, "%s: recording it failed: %s", m->name, PQresultErrorMessage(res));
    PQclear(res);
    if (!ok || crm_db_exec(conn, "COMMIT", 0, NULL, m->name, err, errlen) != 0) {
        PQclear(PQexec(conn, "ROLLBACK"));
        return -1;
    }
    return 0;
}

static int
crm_migrate_locked(PGconn *conn, FILE *out, char *err, size_t errlen)
{
    if (crm_db_exec(conn, crm_sql_schema_migrations_create.sql, 0, NULL, "schema_migrations", err,
                    errlen) != 0 ||
        crm_db_exec(conn, crm_sql_schema_migrations_rename_crm.sql, 0, NULL, "schema_migrations",
                    err, errlen) != 0)
        return -1;
    PGresult *rows = PQexec(conn, crm_sql_migrations_applied.sql);
    if (PQresultStatus(rows) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "reading schema_migrations: %s", PQresultErrorMessage(rows));
        PQclear(rows);
        return -1;
    }
    size_t pending;
    int rc = crm_migrate_check_result(rows, &pending, err, errlen);
    int n = PQntuples(rows);
    size_t applied_now = 0;
    for (const crm_module_t *const *mp = crm_modules; *mp && rc == 0 && pending; mp++) {
        for (const crm_migration_t *m = (*mp)->migrations; m && m->sql && rc == 0; m++) {
            bool done = false;
            for (int i = 0; i < n && !done; i++)
                done = atoi(PQgetvalue(rows, i, MIGRATIONS_APPLIED_VERSION)) == m->version &&
                       strcmp(PQgetvalue(rows, i, MIGRATIONS_APPLIED_MODULE), (*mp)->name) == 0;
            if (done)
                continue;
            rc = crm_apply_one(conn, (*mp)->name, m, err, errlen);
            if (rc == 0) {
                fprintf(out, "applied %s %s\n", (*mp)->name, m->name);
                applied_now++;
            }
        }
    }
    PQclear(rows);
    if (rc == 0 && applied_now == 0)
        fprintf(out, "database is up to date\n");
    return rc;
}

int
crm_migrate_run(PGconn *conn, FILE *out, char *err, size_t errlen)
{
    if (crm_db_exec(conn, crm_sql_migrate_lock.sql, 0, NULL, "taking the migration lock", err,
                    errlen) != 0)
        return -1;
    int rc = crm_migrate_locked(conn, out, err, errlen);
    if (rc == 0)
        rc = crm_rbac_sync(conn, err, errlen);
    if (rc == 0)
        rc = crm_contact_types_sync(conn, err, errlen);
    if (rc == 0)
        rc = crm_db_exec(conn, crm_sql_migrate_citus.sql, 0, NULL, "distributing the tables", err,
                         errlen);
    if (rc == 0)
        rc = crm_db_exec(conn, crm_sql_migrate_citus_grants.sql, 0, NULL,
                         "granting the sequences on the workers", err, errlen);
    PQclear(PQexec(conn, crm_sql_migrate_unlock.sql));
    return rc;
}
