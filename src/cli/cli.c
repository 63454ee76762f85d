/* cli.c - what the command-line tools share: flags, setup on the schema owner's connection,
 * and running the API's own handlers on requests made here, so the rules (validation,
 * password policy, roles) are the same whichever door is used */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db/db.h"
#include "core/http/db_problem.h"
#include "core/auth/password.h"
#include "core/auth/rbac.h"
#include "core/util/uuid.h"
#include "crm/handlers.h"

const char *
crm_flag(const crm_flag_t *flags, const char *name)
{
    for (const crm_flag_t *f = flags; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f->value;
    return NULL;
}

static const char *
crm_getenv_cli(const char *name)
{
    return getenv(name);
}

/* Splits argv into the command's flags and configuration options; sets up the database
 * layer on the schema owner's connection. 0, or the exit status to return. */
int
crm_cli_setup(const char *cmd, int argc, char **argv, crm_flag_t *flags, const char **positional,
              crm_config_t *config)
{
    const char **rest = crm_xcalloc((size_t)argc + 1, sizeof(char *));
    int nrest = 0;
    for (int i = 0; i < argc; i++) {
        crm_flag_t *f = flags;
        const char *eq = strchr(argv[i], '=');
        size_t len = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
        while (f->name && !(strlen(f->name) == len && strncmp(f->name, argv[i], len) == 0))
            f++;
        if (f->name && f->is_switch) {
            f->value = "true";
        } else if (f->name) {
            f->value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!f->value) {
                fprintf(stderr, "crm %s: %s needs a value\n", cmd, f->name);
                free(rest);
                return 2;
            }
        } else if (argv[i][0] != '-' && positional && !*positional) {
            *positional = argv[i];
        } else {
            rest[nrest++] = argv[i];
            if (!eq && i + 1 < argc && argv[i + 1][0] != '-')
                rest[nrest++] = argv[++i];
        }
    }
    char err[512];
    int rc = crm_config_load(config, CRM_CMD_ADMIN, nrest, rest, crm_getenv_cli, err, sizeof(err));
    free(rest);
    if (rc != 0) {
        fprintf(stderr, "crm %s: %s\n", cmd, err);
        return 2;
    }
    config->database_url = config->migrate_database_url;
    crm_db_init(config, crm_reply_db_error);
    crm_password_init(config->hash_concurrency);
    return 0;
}

/* Runs handler on a request made here: body (stolen), tenant, path parameter id, query. */
crm_req_t *
crm_cli_run(void (*handler)(crm_req_t *), json_t *body, const char *tenant_id, const char *id,
            json_t *query)
{
    crm_req_t *r = crm_req_new(8192, "CLI", "crm");
    crm_arena_t *a = r->arena;
    r->role_id = CRM_ROLE_ADMIN;
    r->role = crm_role_name(CRM_ROLE_ADMIN);
    r->tenant_id = tenant_id ? crm_arena_strdup(a, tenant_id) : NULL;
    memcpy(r->request_id, "cli-", 4);
    crm_uuid_v4(r->request_id + 4);
    r->json = body;
    if (body)
        crm_arena_cleanup(a, (crm_cleanup_fn)json_decref, body);
    r->cli_query = query;
    if (query)
        crm_arena_cleanup(a, (crm_cleanup_fn)json_decref, query);
    if (id) {
        r->match.nparams = 1;
        r->match.params[0] = (crm_path_param_t){"id", 2, crm_arena_strdup(a, id), strlen(id)};
    }
    handler(r);
    return r;
}

/* Prints a failed request's problem; returns 1. */
int
crm_cli_failed(const char *cmd, crm_req_t *r)
{
    json_t *p = json_loadb(r->resp_body, r->resp_len, 0, NULL);
    fprintf(stderr, "crm %s: %s\n", cmd, json_string_value(json_object_get(p, "detail")));
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(p, "errors"), i, e)
        fprintf(stderr, "  %s: %s\n", json_string_value(json_object_get(e, "field")),
                json_string_value(json_object_get(e, "message")));
    json_decref(p);
    return 1;
}

json_t *
crm_cli_body(crm_req_t *r)
{
    return json_loadb(r->resp_body, r->resp_len, 0, NULL);
}

void
crm_cli_done(crm_req_t *r)
{
    crm_arena_destroy(r->arena);
}

/* The id of the tenant with this slug (or id); NULL after printing why. */
json_t *
crm_cli_call(const char *cmd, void (*handler)(crm_req_t *), const char *tenant_id, const char *id,
             json_t *query)
{
    crm_req_t *r = crm_cli_run(handler, NULL, tenant_id, id, query);
    json_t *out = r->status == 200 ? crm_cli_body(r) : NULL;
    if (!out)
        crm_cli_failed(cmd, r);
    crm_cli_done(r);
    return out;
}

char *
crm_cli_tenant_id(const char *cmd, const char *slug)
{
    json_t *t = crm_cli_call(cmd, crm_tenants_get, NULL, slug, NULL);
    char *id = t ? crm_xstrdup(json_string_value(json_object_get(t, "id"))) : NULL;
    json_decref(t);
    return id;
}

int
crm_cli_each_item(const char *cmd, void (*list)(crm_req_t *), const char *tenant_id,
                  int (*fn)(json_t *item, void *arg), void *arg)
{
    json_t *query = json_pack("{ss}", "limit", "200");
    int rc = 0;
    for (bool more = true; more && rc == 0;) {
        json_t *page = crm_cli_call(cmd, list, tenant_id, NULL, json_deep_copy(query));
        if (!page) {
            rc = -1;
            break;
        }
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(page, "data"), i, item) if (rc == 0) rc = fn(item, arg);
        const char *next = json_string_value(json_object_get(page, "next_cursor"));
        more = next != NULL;
        if (next)
            json_object_set_new(query, "cursor", json_string(next));
        json_decref(page);
    }
    json_decref(query);
    return rc;
}
