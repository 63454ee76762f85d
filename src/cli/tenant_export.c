/* tenant_export.c - `crm tenant export`: every row of one tenant, from one snapshot, into a
 * ustar archive written beside its destination and renamed into place when complete. The
 * export is first written to the tenant's audit log, so the archive holds its own record. */
#include "cli/tenant_archive.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/util/tar.h"
#include "crm_build.h"
#include "cli_tenant_archive_sql.h"

typedef struct crm_export_file {
    FILE *f;
    const char *path; /* the temporary file being written */
    time_t now;
    char err[1024];
} crm_export_file_t;

static int
crm_export_write(crm_export_file_t *x, const void *data, size_t len)
{
    if (len && fwrite(data, 1, len, x->f) != len) {
        snprintf(x->err, sizeof(x->err), "writing %s: %s", x->path, strerror(errno));
        return -1;
    }
    return 0;
}

static int
crm_export_pad(crm_export_file_t *x, uint64_t size)
{
    static const unsigned char zero[CRM_TAR_BLOCK];
    return crm_export_write(x, zero, crm_tar_padding(size));
}

/* A whole entry whose data is in memory. */
static int
crm_export_entry(crm_export_file_t *x, const char *name, const char *data, size_t len)
{
    unsigned char block[CRM_TAR_BLOCK];
    if (crm_tar_header(block, name, len, x->now) != 0) {
        snprintf(x->err, sizeof(x->err), "cannot name an archive entry '%s'", name);
        return -1;
    }
    return crm_export_write(x, block, sizeof(block)) || crm_export_write(x, data, len) ||
                   crm_export_pad(x, len)
               ? -1
               : 0;
}

static int
crm_export_json(crm_export_file_t *x, const char *name, json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    int rc = text ? crm_export_entry(x, name, text, strlen(text)) : -1;
    free(text);
    return rc;
}

static void
crm_export_hex(const unsigned char *digest, char out[crypto_hash_sha256_BYTES * 2 + 1])
{
    sodium_bin2hex(out, crypto_hash_sha256_BYTES * 2 + 1, digest, crypto_hash_sha256_BYTES);
}

/* One table's rows: a header written after the data (its size is known only then), the
 * COPY's rows between. Adds {file, rows, bytes, sha256} to files. */
static int
crm_export_table(crm_export_file_t *x, PGconn *pg, const char *table, const char *copy_out,
                 json_t *files)
{
    char name[CRM_TAR_NAME_MAX];
    snprintf(name, sizeof(name), "%s%s%s", CRM_ARCHIVE_TABLE_DIR, table, CRM_ARCHIVE_TABLE_EXT);
    long header_at = ftell(x->f);
    unsigned char block[CRM_TAR_BLOCK] = {0};
    if (header_at < 0 || crm_export_write(x, block, sizeof(block)) != 0)
        return -1;
    PGresult *res = crm_archive_exec(pg, copy_out, PGRES_COPY_OUT, x->err, sizeof(x->err));
    if (!res)
        return -1;
    PQclear(res);
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    uint64_t bytes = 0;
    long long messages = 0;
    char *row;
    int len, rc = 0;
    while ((len = PQgetCopyData(pg, &row, 0)) > 0) {
        if (rc == 0)
            rc = crm_export_write(x, row, (size_t)len);
        crypto_hash_sha256_update(&sha, (const unsigned char *)row, (unsigned long long)len);
        bytes += (uint64_t)len;
        messages++;
        PQfreemem(row);
    }
    res = PQgetResult(pg);
    if (len == -2 || PQresultStatus(res) != PGRES_COMMAND_OK) {
        snprintf(x->err, sizeof(x->err), "reading %s: %s", table, PQerrorMessage(pg));
        rc = -1;
    }
    PQclear(res);
    while ((res = PQgetResult(pg)))
        PQclear(res);
    long end = ftell(x->f);
    if (rc != 0 || crm_tar_header(block, name, bytes, x->now) != 0 || end < 0 ||
        fseek(x->f, header_at, SEEK_SET) != 0 || crm_export_write(x, block, sizeof(block)) ||
        fseek(x->f, end, SEEK_SET) != 0 || crm_export_pad(x, bytes) != 0) {
        if (!x->err[0])
            snprintf(x->err, sizeof(x->err), "writing %s: %s", x->path, strerror(errno));
        return -1;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    crypto_hash_sha256_final(&sha, digest);
    crm_export_hex(digest, hex);
    json_array_append_new(files, json_pack("{sssssIsIss}", "table", table, "file", name, "rows",
                                           (json_int_t)(messages > 0 ? messages - 1 : 0), "bytes",
                                           (json_int_t)bytes, "sha256", hex));
    return 0;
}

static char *
crm_export_time(time_t t, char buf[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/* archive.json, every table and manifest.json, from the snapshot of the open transaction. */
static int
crm_export_archive(crm_export_file_t *x, PGconn *pg, json_t *tenant, json_int_t *rows)
{
    const char *params[] = {json_string_value(json_object_get(tenant, "id"))};
    PGresult *schema = CRM_ARCHIVE_RUN0(pg, crm_sql_archive_schema, PGRES_TUPLES_OK, x->err);
    PGresult *tables =
        schema ? CRM_ARCHIVE_RUN(pg, crm_sql_archive_tables, params, PGRES_TUPLES_OK, x->err)
               : NULL;
    int rc = -1;
    if (tables) {
        char at[32];
        json_t *list = json_array();
        for (int i = 0; i < PQntuples(tables); i++)
            json_array_append_new(
                list,
                json_pack("{ss so}", "name", PQgetvalue(tables, i, ARCHIVE_TABLES_NAME), "columns",
                          json_loads(PQgetvalue(tables, i, ARCHIVE_TABLES_COLUMNS), 0, NULL)));
        json_t *head = json_pack("{ss si ss ss sO so so}", "format", CRM_ARCHIVE_FORMAT, "version",
                                 CRM_ARCHIVE_VERSION, "crm_version", CRM_VERSION, "exported_at",
                                 crm_export_time(x->now, at), "tenant", tenant, "schema",
                                 json_loads(PQgetvalue(schema, 0, ARCHIVE_SCHEMA_SCHEMA), 0, NULL),
                                 "tables", list);
        json_t *files = json_array();
        rc = crm_export_json(x, CRM_ARCHIVE_HEAD, head);
        for (int i = 0; rc == 0 && i < PQntuples(tables); i++)
            rc = crm_export_table(x, pg, PQgetvalue(tables, i, ARCHIVE_TABLES_NAME),
                                  PQgetvalue(tables, i, ARCHIVE_TABLES_COPY_OUT), files);
        size_t i;
        json_t *f;
        json_array_foreach(files, i, f) *rows += json_integer_value(json_object_get(f, "rows"));
        json_t *manifest = json_pack("{so so}", "tables", files, "files", json_array());
        if (rc == 0)
            rc = crm_export_json(x, CRM_ARCHIVE_MANIFEST, manifest);
        json_decref(manifest);
        json_decref(head);
    }
    PQclear(schema);
    PQclear(tables);
    return rc;
}

/* The tenant acted for, as archive.json names it. */
static json_t *
crm_export_tenant(PGconn *pg, const char *tenant_id, char *err, size_t errlen)
{
    const char *params[] = {tenant_id};
    PGresult *res = crm_archive_run(pg, &crm_sql_archive_tenant,
                                    CRM_SQL_NPARAMS(crm_sql_archive_tenant, CRM_COUNT(params)),
                                    params, PGRES_TUPLES_OK, err, errlen);
    json_t *t = NULL;
    if (res && PQntuples(res) == 1)
        t = json_pack("{ss ss ss}", "id", PQgetvalue(res, 0, ARCHIVE_TENANT_ID), "slug",
                      PQgetvalue(res, 0, ARCHIVE_TENANT_SLUG), "name",
                      PQgetvalue(res, 0, ARCHIVE_TENANT_NAME));
    else if (res)
        snprintf(err, errlen, "the tenant is not in this database");
    PQclear(res);
    return t;
}

/* Records the export in the tenant's audit log and commits it: the snapshot taken next holds
 * the record, and an export that cannot be recorded is not made. */
static int
crm_export_audit(PGconn *pg, const char *tenant_id, const char *out, char *err, size_t errlen)
{
    json_t *what =
        json_pack("{ss ss si}", "stage", "archive", "file", out, "format", CRM_ARCHIVE_VERSION);
    char *text = json_dumps(what, JSON_COMPACT);
    const char *params[] = {tenant_id, "export", text};
    PGresult *res = crm_archive_run(pg, &crm_sql_archive_audit,
                                    CRM_SQL_NPARAMS(crm_sql_archive_audit, CRM_COUNT(params)),
                                    params, PGRES_TUPLES_OK, err, errlen);
    free(text);
    json_decref(what);
    PQclear(res);
    return res ? 0 : -1;
}

int
crm_cli_tenant_export(const char *url, const char *tenant_id, const char *out)
{
    char err[1024] = "";
    size_t n = strlen(out);
    char *tmp = malloc(n + 16);
    snprintf(tmp, n + 16, "%s.partial", out);
    crm_export_file_t x = {.path = tmp, .now = time(NULL)};
    json_int_t rows = 0;
    json_t *tenant = NULL;
    PGconn *pg = crm_archive_connect(url, tenant_id, err, sizeof(err));
    int rc = pg && (tenant = crm_export_tenant(pg, tenant_id, err, sizeof(err))) &&
                     crm_export_audit(pg, tenant_id, out, err, sizeof(err)) == 0
                 ? 0
                 : -1;
    if (rc == 0) {
        PGresult *res = CRM_ARCHIVE_RUN0(pg, crm_sql_archive_snapshot, PGRES_COMMAND_OK, err);
        rc = res ? 0 : -1;
        PQclear(res);
    }
    if (rc == 0) {
        const char *params[] = {tenant_id};
        PGresult *res =
            CRM_ARCHIVE_RUN(pg, crm_sql_archive_context_local, params, PGRES_TUPLES_OK, err);
        rc = res ? 0 : -1;
        PQclear(res);
    }
    if (rc == 0 && !(x.f = fopen(tmp, "wb"))) {
        snprintf(err, sizeof(err), "cannot write %s: %s", tmp, strerror(errno));
        rc = -1;
    }
    if (x.f) {
        static const unsigned char end[2 * CRM_TAR_BLOCK];
        rc = crm_export_archive(&x, pg, tenant, &rows);
        if (rc == 0)
            rc = crm_export_write(&x, end, sizeof(end));
        if (fflush(x.f) != 0 || fsync(fileno(x.f)) != 0)
            rc = -1;
        if (fclose(x.f) != 0 || (rc == 0 && rename(tmp, out) != 0)) {
            snprintf(x.err, sizeof(x.err), "writing %s: %s", out, strerror(errno));
            rc = -1;
        }
        if (rc != 0) {
            unlink(tmp);
            snprintf(err, sizeof(err), "%s", x.err[0] ? x.err : "the archive was not written");
        }
    }
    if (rc == 0)
        printf("exported %s (%s): %lld rows to %s\n",
               json_string_value(json_object_get(tenant, "slug")), tenant_id, (long long)rows, out);
    else
        fprintf(stderr, "crm tenant export: %s\n", err);
    json_decref(tenant);
    PQfinish(pg);
    free(tmp);
    return rc == 0 ? 0 : 1;
}
