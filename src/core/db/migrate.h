/* migrate.h - numbered SQL migrations embedded in the binary, tracked per (module, version) */
#ifndef CRM_CORE_MIGRATE_H
#define CRM_CORE_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

typedef struct crm_migration {
    int version;      /* from the file name: 0001_init.sql is 1 */
    const char *name; /* "0001_init" */
    const char *sql;
} crm_migration_t;

typedef struct crm_applied {
    const char *module;
    int version;
    const char *checksum; /* hex SHA-256 of the SQL as applied */
} crm_applied_t;

#define CRM_CHECKSUM_HEX 65

/* Hex SHA-256 of a migration's SQL. */
void crm_migration_checksum(const char *sql, char out[CRM_CHECKSUM_HEX]);

/* Compares one module's embedded migrations with the applied rows (of every module).
 * Sets *pending to the number not yet applied. Returns -1 with a message when the embedded
 * list is not strictly increasing or an applied migration's SQL has changed since. Applied
 * versions this binary does not know (a newer binary ran) are tolerated. */
int crm_migrate_check(const char *module, const crm_migration_t *embedded,
                      const crm_applied_t *applied, size_t napplied, size_t *pending, char *err,
                      size_t errlen);

/* Checks every compiled-in module against the rows of migrations_applied (migrate.sql:
 * module, version, checksum). Sets *pending to the total not applied; -1 on a changed checksum. */
int crm_migrate_check_result(PGresult *rows, size_t *pending, char *err, size_t errlen);

/* Applies every pending migration of every module, each in its own transaction, printing
 * what it applied to out. Holds an advisory lock so two runs cannot interleave. */
int crm_migrate_run(PGconn *conn, FILE *out, char *err, size_t errlen);

#endif
