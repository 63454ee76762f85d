/* audit.c - `crm audit`: verify tenants' audit chains (optionally against a stored
 * checkpoint), print a signed checkpoint, and purge rows past their tenant's retention. The
 * first two run the API's own handlers; purge runs as the retention role. */
#include "cli/admin.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/db/db.h"
#include "core/auth/jws.h"
#include "crm/handlers.h"
#include "cli_audit_sql.h"

typedef struct crm_audit_run {
    const char *checkpoint; /* a signed checkpoint to verify against, or NULL */
    bool many;              /* several tenants: each line names its tenant */
    bool broken;
} crm_audit_run_t;

static void
crm_cli_print_json(json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    puts(text);
    free(text);
}

static const char *
crm_cli_tenant_field(json_t *tenant, const char *key)
{
    return json_string_value(json_object_get(tenant, key));
}

static int
crm_cli_audit_verify_one(json_t *tenant, void *arg)
{
    crm_audit_run_t *run = arg;
    json_t *query = run->checkpoint ? json_pack("{ss}", "checkpoint", run->checkpoint) : NULL;
    json_t *out = crm_cli_call("audit verify", crm_audit_verify, crm_cli_tenant_field(tenant, "id"),
                               NULL, query);
    if (!out)
        return 1;
    if (run->many)
        json_object_set(out, "tenant", json_object_get(tenant, "slug"));
    run->broken |= !json_is_true(json_object_get(out, "ok"));
    crm_cli_print_json(out);
    json_decref(out);
    return 0;
}

/* Not a route: the purge as a handler, so that it runs like everything else here. */
static void
crm_cli_audit_purge_handler(crm_req_t *r)
{
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_use_role(tx, CRM_DB_RETENTION_ROLE);
    crm_tx_set_timeout(tx, "0");
    int i = CRM_TX_ADD(tx, crm_sql_audit_purge, r->tenant_id);
    if (crm_tx_run(tx) == 0)
        crm_reply_json(
            r, 200,
            json_pack("{sI}", "purged",
                      (json_int_t)strtoll(PQgetvalue(crm_tx_result(tx, i), 0, AUDIT_PURGE_PURGED),
                                          NULL, 10)));
}

static int
crm_cli_audit_purge_one(json_t *tenant, void *arg)
{
    (void)arg;
    json_t *out = crm_cli_call("audit purge", crm_cli_audit_purge_handler,
                               crm_cli_tenant_field(tenant, "id"), NULL, NULL);
    if (!out)
        return 1;
    printf("%s: purged %lld audit rows past the retention period\n",
           crm_cli_tenant_field(tenant, "slug"),
           (long long)json_integer_value(json_object_get(out, "purged")));
    json_decref(out);
    return 0;
}

static int
crm_cli_audit_checkpoint_one(json_t *tenant, void *arg)
{
    (void)arg;
    json_t *out = crm_cli_call("audit checkpoint", crm_audit_checkpoint,
                               crm_cli_tenant_field(tenant, "id"), NULL, NULL);
    if (!out)
        return 1;
    puts(json_string_value(json_object_get(out, "checkpoint")));
    json_decref(out);
    return 0;
}

/* The checkpoint file's token (its first line), malloc'd; NULL after printing why. */
static char *
crm_cli_read_checkpoint(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "crm audit verify: cannot read %s\n", path);
        return NULL;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    if (f != stdin)
        fclose(f);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    if (n <= 0) {
        fprintf(stderr, "crm audit verify: %s holds no checkpoint\n", path);
        free(line);
        return NULL;
    }
    return line;
}

/* Runs fn for the --tenant given, or for every tenant when allowed. */
static int
crm_cli_audit_tenants(const char *cmd, const char *slug, bool all_allowed,
                      int (*fn)(json_t *, void *), void *arg)
{
    if (!slug && !all_allowed) {
        fprintf(stderr, "crm %s: --tenant SLUG is required\n", cmd);
        return 2;
    }
    if (!slug)
        return crm_cli_each_item(cmd, crm_tenants_list, NULL, fn, arg) < 0 ? 1 : 0;
    char *id = crm_cli_tenant_id(cmd, slug);
    if (!id)
        return 1;
    json_t *tenant = json_pack("{ss ss}", "id", id, "slug", slug);
    int rc = fn(tenant, arg);
    json_decref(tenant);
    free(id);
    return rc;
}

int
crm_cli_audit(int argc, char **argv)
{
    crm_flag_t flags[] = {
        {"--tenant", false, NULL}, {"--checkpoint", false, NULL}, {NULL, false, NULL}};
    const char *action = argc > 0 ? argv[0] : "";
    if (strcmp(action, "verify") && strcmp(action, "checkpoint") && strcmp(action, "purge")) {
        fprintf(stderr, "crm audit: verify, checkpoint or purge (see --help)\n");
        return 2;
    }
    crm_config_t config;
    int rc = crm_cli_setup("audit", argc - 1, argv + 1, flags, NULL, &config);
    if (rc != 0)
        return rc;
    char err[512];
    const char *slug = crm_flag(flags, "--tenant"), *file = crm_flag(flags, "--checkpoint");
    bool signs = strcmp(action, "checkpoint") == 0 || file;
    char *token = NULL;
    if (signs && !config.jwt_keys) {
        fprintf(stderr, "crm audit %s: CRM_JWT_KEYS is needed to sign or check checkpoints\n",
                action);
        rc = 2;
    } else if (signs && crm_jws_load_keys(config.jwt_keys, err, sizeof(err)) != 0) {
        fprintf(stderr, "crm audit %s: %s\n", action, err);
        rc = 2;
    } else if (file && !(token = crm_cli_read_checkpoint(file))) {
        rc = 2;
    } else if (strcmp(action, "verify") == 0) {
        crm_audit_run_t run = {token, slug == NULL, false};
        rc = crm_cli_audit_tenants("audit verify", slug, !file, crm_cli_audit_verify_one, &run);
        if (rc == 0 && run.broken)
            rc = 1;
    } else if (strcmp(action, "checkpoint") == 0) {
        rc = crm_cli_audit_tenants("audit checkpoint", slug, false, crm_cli_audit_checkpoint_one,
                                   NULL);
    } else {
        rc = crm_cli_audit_tenants("audit purge", slug, true, crm_cli_audit_purge_one, NULL);
    }
    free(token);
    crm_jws_free_keys();
    crm_db_close_thread();
    return rc;
}
