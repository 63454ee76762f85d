/* tenant_import.c - `crm tenant import`: loads an archive of `crm tenant export` into this
 * database in one transaction. The schema must be the very one the archive was made at and
 * the tenant's id and slug new here; the rows go in as they were (ids, audit rows and chain
 * heads included) with triggers off, then what the triggers would have checked is checked:
 * every reference resolves, no SMS number is another tenant's, the audit chain verifies.
 * Anything amiss rolls everything back. */
#include "cli/tenant_archive.h"

#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/tar.h"
#include "cli_tenant_archive_sql.h"

enum { CRM_IMPORT_CHUNK = 64 * 1024 };

typedef struct crm_import {
    FILE *f;
    const char *path;
    PGconn *pg;
    json_t *head;   /* archive.json */
    json_t *loaded; /* table name -> {rows, bytes, sha256} */
    const char *tenant_id, *slug;
    char err[1024];
} crm_import_t;

__attribute__((format(printf, 2, 3))) static int
crm_import_fail(crm_import_t *im, const char *fmt, ...)
{
    char msg[sizeof(im->err)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    memcpy(im->err, msg, sizeof(msg));
    return -1;
}

/* Reads len bytes of the archive (all of them, or it is cut short). */
static int
crm_import_read(crm_import_t *im, void *buf, size_t len)
{
    if (len && fread(buf, 1, len, im->f) != len)
        return crm_import_fail(im, "%s ends before its last entry", im->path);
    return 0;
}

static int
crm_import_skip_padding(crm_import_t *im, uint64_t size)
{
    unsigned char pad[CRM_TAR_BLOCK];
    return crm_import_read(im, pad, crm_tar_padding(size));
}

/* The next entry's header: 1, 0 at the archive's end, -1. */
static int
crm_import_next(crm_import_t *im, crm_tar_entry_t *e)
{
    unsigned char block[CRM_TAR_BLOCK];
    if (crm_import_read(im, block, sizeof(block)) != 0)
        return -1;
    int rc = crm_tar_read_header(block, e, im->err, sizeof(im->err));
    return rc;
}

/* An entry read whole and parsed as a JSON object. */
static json_t *
crm_import_json(crm_import_t *im, const crm_tar_entry_t *e)
{
    if (e->size > CRM_ARCHIVE_JSON_MAX) {
        crm_import_fail(im, "%s is larger than an archive's JSON may be", e->name);
        return NULL;
    }
    char *text = malloc(e->size + 1);
    json_t *doc = NULL;
    if (crm_import_read(im, text, e->size) == 0 && crm_import_skip_padding(im, e->size) == 0) {
        json_error_t jerr;
        doc = json_loadb(text, e->size, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(doc)) {
            json_decref(doc);
            doc = NULL;
            crm_import_fail(im, "%s is not a JSON object", e->name);
        }
    }
    free(text);
    return doc;
}

static const char *
crm_import_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* archive.json: this format and version, a tenant with an id and a slug, a list of tables. */
static int
crm_import_head(crm_import_t *im)
{
    crm_tar_entry_t e;
    int rc = crm_import_next(im, &e);
    if (rc == 1 && strcmp(e.name, CRM_ARCHIVE_HEAD) != 0)
        return crm_import_fail(im,
                               "%s is not a tenant archive: it does not begin with "
                               "archive.json",
                               im->path);
    if (rc != 1)
        return rc == 0 ? crm_import_fail(im, "%s is an empty archive", im->path) : -1;
    if (!(im->head = crm_import_json(im, &e)))
        return -1;
    json_t *tenant = json_object_get(im->head, "tenant");
    json_t *version = json_object_get(im->head, "version");
    if (!crm_import_str(im->head, "format") ||
        strcmp(crm_import_str(im->head, "format"), CRM_ARCHIVE_FORMAT) != 0)
        return crm_import_fail(im, "%s is not a tenant archive (archive.json's format)", im->path);
    if (!json_is_integer(version) || json_integer_value(version) != CRM_ARCHIVE_VERSION)
        return crm_import_fail(im, "%s is of an archive version this crm does not read", im->path);
    im->tenant_id = crm_import_str(tenant, "id");
    im->slug = crm_import_str(tenant, "slug");
    if (!im->tenant_id || !im->slug || !json_is_array(json_object_get(im->head, "tables")) ||
        !json_is_array(json_object_get(im->head, "schema")))
        return crm_import_fail(im, "%s: archive.json lacks the tenant, schema or tables", im->path);
    return 0;
}

/* The columns archive.json gives for table, or NULL when it names no such table. */
static json_t *
crm_import_columns(crm_import_t *im, const char *table)
{
    json_t *tables = json_object_get(im->head, "tables");
    for (size_t i = 0; i < json_array_size(tables); i++) {
        json_t *t = json_array_get(tables, i);
        const char *name = crm_import_str(t, "name");
        if (name && strcmp(name, table) == 0)
            return json_object_get(t, "columns");
    }
    return NULL;
}

/* Streams an entry's data into the COPY started on the connection; its SHA-256 into hex. */
static int
crm_import_copy(crm_import_t *im, const crm_tar_entry_t *e, char hex[], long long *copied)
{
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    char *buf = malloc(CRM_IMPORT_CHUNK);
    int rc = 0;
    for (uint64_t left = e->size; rc == 0 && left > 0;) {
        size_t n = left < CRM_IMPORT_CHUNK ? (size_t)left : CRM_IMPORT_CHUNK;
        rc = crm_import_read(im, buf, n);
        if (rc == 0 && PQputCopyData(im->pg, buf, (int)n) != 1)
            rc = crm_import_fail(im, "sending rows: %s", PQerrorMessage(im->pg));
        crypto_hash_sha256_update(&sha, (unsigned char *)buf, n);
        left -= n;
    }
    free(buf);
    PQputCopyEnd(im->pg, rc == 0 ? NULL : "the archive could not be read");
    PGresult *res = PQgetResult(im->pg);
    if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = crm_import_fail(im, "%s", PQresultErrorMessage(res));
    else if (rc == 0)
        *copied = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    while ((res = PQgetResult(im->pg)))
        PQclear(res);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&sha, digest);
    sodium_bin2hex(hex, crypto_hash_sha256_BYTES * 2 + 1, digest, sizeof(digest));
    return rc == 0 ? crm_import_skip_padding(im, e->size) : -1;
}

/* Says which tenant exists already when the insert into tenants was refused for it. */
static void
crm_import_explain(crm_import_t *im)
{
    if (strstr(im->err, "\"tenants_pkey"))
        crm_import_fail(im, "a tenant with the id %s exists in this database", im->tenant_id);
    else if (strstr(im->err, "\"tenants_slug_key"))
        crm_import_fail(im, "a tenant with the slug '%s' exists in this database", im->slug);
}

/* One tables/NAME.csv entry: through a temporary table into its table, the tenant's rows only;
 * a row of any other tenant fails the import. */
static int
crm_import_table(crm_import_t *im, const crm_tar_entry_t *e)
{
    size_t dir = strlen(CRM_ARCHIVE_TABLE_DIR), ext = strlen(CRM_ARCHIVE_TABLE_EXT);
    size_t n = strlen(e->name);
    char table[CRM_TAR_NAME_MAX];
    if (n <= dir + ext || strncmp(e->name, CRM_ARCHIVE_TABLE_DIR, dir) != 0 ||
        strcmp(e->name + n - ext, CRM_ARCHIVE_TABLE_EXT) != 0)
        return crm_import_fail(im, "the archive holds an entry it should not: %s", e->name);
    snprintf(table, sizeof(table), "%.*s", (int)(n - dir - ext), e->name + dir);
    json_t *columns = crm_import_columns(im, table);
    if (!columns || json_object_get(im->loaded, table))
        return crm_import_fail(im, "the archive holds %s twice or without its columns", e->name);
    char *cols = json_dumps(columns, JSON_COMPACT);
    const char *params[] = {table, cols, im->tenant_id};
    PGresult *load =
        CRM_ARCHIVE_RUN(im->pg, crm_sql_archive_load, params, PGRES_TUPLES_OK, im->err);
    free(cols);
    if (load && PQntuples(load) != 1) {
        PQclear(load);
        return crm_import_fail(im,
                               "%s: no table of tenants' rows here has those columns (is the "
                               "schema the same?)",
                               table);
    }
    PGresult *res = load ? crm_archive_exec(im->pg, PQgetvalue(load, 0, ARCHIVE_LOAD_CREATE_TMP),
                                            PGRES_COMMAND_OK, im->err, sizeof(im->err))
                         : NULL;
    PQclear(res);
    if (res)
        res = crm_archive_exec(im->pg, PQgetvalue(load, 0, ARCHIVE_LOAD_COPY_IN), PGRES_COPY_IN,
                               im->err, sizeof(im->err));
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    int rc = res ? 0 : -1;
    PQclear(res);
    long long copied = 0, inserted = 0;
    if (rc == 0)
        rc = crm_import_copy(im, e, hex, &copied);
    if (rc == 0) {
        res = crm_archive_exec(im->pg, PQgetvalue(load, 0, ARCHIVE_LOAD_INSERT_ROWS),
                               PGRES_TUPLES_OK, im->err, sizeof(im->err));
        inserted = res && PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
        rc = res ? 0 : -1;
        PQclear(res);
        if (rc != 0)
            crm_import_explain(im);
    }
    PQclear(load);
    if (rc == 0 && inserted != copied)
        return crm_import_fail(im, "%s: rows of another tenant are in the archive", table);
    if (rc == 0) {
        res = CRM_ARCHIVE_RUN0(im->pg, crm_sql_archive_load_done, PGRES_COMMAND_OK, im->err);
        rc = res ? 0 : -1;
        PQclear(res);
    }
    if (rc == 0)
        json_object_set_new(im->loaded, table,
                            json_pack("{sI sI ss}", "rows", (json_int_t)copied, "bytes",
                                      (json_int_t)e->size, "sha256", hex));
    return rc;
}

/* manifest.json against what was loaded: every table of archive.json, each with the rows,
 * bytes and SHA-256 the manifest gives. */
static int
crm_import_manifest(crm_import_t *im, const crm_tar_entry_t *e)
{
    json_t *manifest = crm_import_json(im, e);
    if (!manifest)
        return -1;
    json_t *files = json_object_get(manifest, "tables");
    size_t i;
    json_t *f;
    int rc =
        json_is_array(files) &&
                json_array_size(files) == json_array_size(json_object_get(im->head, "tables")) &&
                json_object_size(im->loaded) == json_array_size(files)
            ? 0
            : crm_import_fail(im, "%s: the manifest does not list the tables loaded", im->path);
    json_array_foreach(files, i, f)
    {
        const char *table = crm_import_str(f, "table");
        json_t *got = table ? json_object_get(im->loaded, table) : NULL;
        if (rc == 0 &&
            (!got || !json_equal(json_object_get(got, "rows"), json_object_get(f, "rows")) ||
             !json_equal(json_object_get(got, "bytes"), json_object_get(f, "bytes")) ||
             !json_equal(json_object_get(got, "sha256"), json_object_get(f, "sha256"))))
            rc = crm_import_fail(im,
                                 "%s differs from what the manifest says of it (a damaged "
                                 "archive?)",
                                 table ? table : "a table");
    }
    json_decref(manifest);
    return rc;
}

/* Every entry up to the manifest and the archive's end. */
static int
crm_import_entries(crm_import_t *im)
{
    crm_tar_entry_t e;
    int rc;
    while ((rc = crm_import_next(im, &e)) == 1 && strcmp(e.name, CRM_ARCHIVE_MANIFEST) != 0)
        if (crm_import_table(im, &e) != 0)
            return -1;
    if (rc != 1)
        return rc == 0 ? crm_import_fail(im, "%s has no manifest.json: it was cut short", im->path)
                       : -1;
    if (crm_import_manifest(im, &e) != 0)
        return -1;
    if ((rc = crm_import_next(im, &e)) != 0)
        return rc < 0 ? -1 : crm_import_fail(im, "%s holds entries after its manifest", im->path);
    return 0;
}

/* Runs a statement of the tenant's id whose rows are further statements: checks, each counting
 * rows that must not exist (named by name_col), or setvals that are just run (name_col -1). */
static int
crm_import_each(crm_import_t *im, const crm_stmt_t *s, int text_col, int name_col)
{
    const char *params[] = {im->tenant_id};
    PGresult *list =
        crm_archive_run(im->pg, s, 1, params, PGRES_TUPLES_OK, im->err, sizeof(im->err));
    int rc = list ? 0 : -1;
    for (int i = 0; rc == 0 && list && i < PQntuples(list); i++) {
        PGresult *res = crm_archive_exec(im->pg, PQgetvalue(list, i, text_col), PGRES_TUPLES_OK,
                                         im->err, sizeof(im->err));
        if (!res)
            rc = -1;
        else if (name_col >= 0 && strcmp(PQgetvalue(res, 0, 0), "0") != 0)
            rc = crm_import_fail(im, "rows refer to rows the archive does not hold (%s)",
                                 PQgetvalue(list, i, name_col));
        PQclear(res);
    }
    PQclear(list);
    return rc;
}

static int
crm_import_stmt(crm_import_t *im, const crm_stmt_t *s, int nparams, const char *const *params,
                PGresult **out)
{
    PGresult *res =
        crm_archive_run(im->pg, s, nparams, params, PGRES_TUPLES_OK, im->err, sizeof(im->err));
    if (out)
        *out = res;
    else
        PQclear(res);
    return res ? 0 : -1;
}
#define CRM_IMPORT_STMT(im, S, out, ...)                                                           \
    crm_import_stmt((im), &(S), CRM_SQL_NPARAMS(S, CRM_NARGS(__VA_ARGS__)),                        \
                    (const char *const[]){__VA_ARGS__}, (out))

/* With triggers on again: what they would have refused, then the chain, then the import's
 * own audit row. */
static int
crm_import_check(crm_import_t *im)
{
    PGresult *res = NULL;
    if (CRM_IMPORT_STMT(im, crm_sql_archive_triggers, NULL, "origin") != 0 ||
        crm_import_each(im, &crm_sql_archive_foreign_keys, ARCHIVE_FOREIGN_KEYS_CHECK_SQL,
                        ARCHIVE_FOREIGN_KEYS_NAME) != 0 ||
        crm_import_each(im, &crm_sql_archive_sequences, ARCHIVE_SEQUENCES_SETVAL_SQL, -1) ||
        CRM_IMPORT_STMT(im, crm_sql_archive_as, NULL, "crm_platform") != 0 ||
        CRM_IMPORT_STMT(im, crm_sql_archive_sender_clash, &res, im->tenant_id) != 0)
        return -1;
    int rc = PQntuples(res) == 0
                 ? 0
                 : crm_import_fail(im, "the SMS number %s is assigned to another tenant here",
                                   PQgetvalue(res, 0, ARCHIVE_SENDER_CLASH_SENDER));
    PQclear(res);
    if (rc != 0 || CRM_IMPORT_STMT(im, crm_sql_archive_as, NULL, "none") != 0 ||
        crm_import_stmt(im, &crm_sql_archive_verify, 0, NULL, &res) != 0)
        return -1;
    rc = strcmp(PQgetvalue(res, 0, ARCHIVE_VERIFY_OK), "t") == 0
             ? 0
             : crm_import_fail(im, "the archive's audit chain does not verify");
    PQclear(res);
    if (rc != 0)
        return -1;
    json_t *what = json_pack("{ss ss sO sO}", "stage", "import", "file", im->path, "exported_at",
                             json_object_get(im->head, "exported_at"), "crm_version",
                             json_object_get(im->head, "crm_version"));
    char *text = json_dumps(what, JSON_COMPACT);
    rc = CRM_IMPORT_STMT(im, crm_sql_archive_audit, NULL, im->tenant_id, "create", text);
    free(text);
    json_decref(what);
    return rc;
}

/* The database's schema against the archive's: the same migrations, module by module. */
static int
crm_import_schema(crm_import_t *im)
{
    PGresult *res;
    if (crm_import_stmt(im, &crm_sql_archive_schema, 0, NULL, &res) != 0)
        return -1;
    json_t *here = json_loads(PQgetvalue(res, 0, ARCHIVE_SCHEMA_SCHEMA), 0, NULL);
    PQclear(res);
    int rc = json_equal(here, json_object_get(im->head, "schema"))
                 ? 0
                 : crm_import_fail(im,
                                   "%s was made at another schema version than this "
                                   "database's (run the same crm release's migrations on "
                                   "both sides)",
                                   im->path);
    json_decref(here);
    return rc;
}

/* BEGIN or COMMIT. */
static int
crm_import_command(crm_import_t *im, const char *command)
{
    PGresult *res = crm_archive_exec(im->pg, command, PGRES_COMMAND_OK, im->err, sizeof(im->err));
    PQclear(res);
    return res ? 0 : -1;
}

int
crm_cli_tenant_import(const char *url, const char *in)
{
    crm_import_t im = {.path = in, .loaded = json_object()};
    int rc = 0;
    if (!(im.f = fopen(in, "rb")))
        rc = crm_import_fail(&im, "cannot read %s: %s", in, strerror(errno));
    if (rc == 0)
        rc = crm_import_head(&im);
    if (rc == 0 && !(im.pg = crm_archive_connect(url, im.tenant_id, im.err, sizeof(im.err))))
        rc = -1;
    if (rc == 0)
        rc = crm_import_command(&im, "BEGIN");
    if (rc == 0)
        rc = CRM_IMPORT_STMT(&im, crm_sql_archive_context_local, NULL, im.tenant_id);
    if (rc == 0 && CRM_IMPORT_STMT(&im, crm_sql_archive_triggers, NULL, "replica") != 0)
        rc = crm_import_fail(&im,
                             "the database role may not set session_replication_role, which "
                             "an import needs: as a superuser, run GRANT SET ON PARAMETER "
                             "session_replication_role TO %s",
                             PQuser(im.pg));
    if (rc == 0)
        rc = crm_import_schema(&im);
    if (rc == 0)
        rc = crm_import_entries(&im);
    if (rc == 0)
        rc = crm_import_check(&im);
    if (rc == 0)
        rc = crm_import_command(&im, "COMMIT");
    if (rc == 0) {
        json_int_t rows = 0;
        const char *key;
        json_t *t;
        json_object_foreach(im.loaded, key, t) rows +=
            json_integer_value(json_object_get(t, "rows"));
        printf("imported %s (%s): %lld rows from %s\n", im.slug, im.tenant_id, (long long)rows, in);
    } else {
        fprintf(stderr, "crm tenant import: %s\n", im.err);
    }
    if (im.f)
        fclose(im.f);
    PQfinish(im.pg); /* without COMMIT: everything rolled back */
    json_decref(im.head);
    json_decref(im.loaded);
    return rc == 0 ? 0 : 1;
}
