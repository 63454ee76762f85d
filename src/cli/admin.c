/* admin.c - the administration commands: tenant, user, keys, permissions. Tenant and user
 * commands run the very handlers of the platform and users APIs on requests made here, so
 * the rules (validation, password policy, roles) are the same whichever door is used. */
#include "cli/admin.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/db.h"
#include "core/jws.h"
#include "core/password.h"
#include "core/rbac.h"
#include "core/request.h"
#include "core/uuid.h"
#include "crm/handlers.h"

/* Flags of a command: --name value pairs and bare switches, the rest go to the config. */
typedef struct crm_flag {
    const char *name;
    bool is_switch;
    const char *value; /* filled in */
} crm_flag_t;

static const char *
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
static int
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
    crm_db_init(config);
    crm_password_init(config->hash_concurrency);
    return 0;
}

/* Runs handler on a request made here: body (stolen), tenant, path parameter id, query. */
static crm_req_t *
crm_cli_run(void (*handler)(crm_req_t *), json_t *body, const char *tenant_id, const char *id,
            json_t *query)
{
    crm_arena_t *a = crm_arena_create(8192);
    crm_req_t *r = crm_arena_calloc(a, sizeof(*r));
    r->arena = a;
    r->method = "CLI";
    r->path = "crm";
    r->resp_fd = -1;
    r->role_id = CRM_ROLE_ADMIN;
    r->role = crm_roles[CRM_ROLE_ADMIN].name;
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
static int
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

static json_t *
crm_cli_body(crm_req_t *r)
{
    return json_loadb(r->resp_body, r->resp_len, 0, NULL);
}

static void
crm_cli_done(crm_req_t *r)
{
    crm_arena_destroy(r->arena);
}

/* A readable random password for --admin-password/--password left out. */
static void
crm_cli_password(char out[33])
{
    unsigned char raw[24];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, 33, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The id of the tenant with this slug (or id); NULL after printing why. */
static char *
crm_cli_tenant_id(const char *cmd, const char *slug)
{
    crm_req_t *r = crm_cli_run(crm_tenants_get, NULL, NULL, slug, NULL);
    char *id = NULL;
    if (r->status == 200) {
        json_t *t = crm_cli_body(r);
        id = crm_xstrdup(json_string_value(json_object_get(t, "id")));
        json_decref(t);
    } else {
        crm_cli_failed(cmd, r);
    }
    crm_cli_done(r);
    return id;
}

static void
crm_cli_print_tenant(json_t *t)
{
    json_t *mods = json_object_get(t, "modules");
    char modules[256] = "";
    size_t i, off = 0;
    json_t *m;
    json_array_foreach(mods, i, m) off += (size_t)snprintf(
        modules + off, sizeof(modules) - off, "%s%s", i ? "," : "", json_string_value(m));
    printf("%-36s  %-24s  %-9s  %-20s  %s\n", json_string_value(json_object_get(t, "id")),
           json_string_value(json_object_get(t, "slug")),
           json_string_value(json_object_get(t, "status")),
           json_string_value(json_object_get(t, "time_zone")), off ? modules : "-");
}

static int
crm_cli_tenant_create(crm_flag_t *flags)
{
    char generated[33] = "";
    const char *password = crm_flag(flags, "--admin-password");
    if (!password) {
        crm_cli_password(generated);
        password = generated;
    }
    json_t *body = json_object();
    const char *keys[][2] = {{"--name", "name"},
                             {"--slug", "slug"},
                             {"--admin-email", "admin_email"},
                             {"--admin-name", "admin_full_name"},
                             {"--time-zone", "time_zone"},
                             {"--default-country", "default_country"}};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (crm_flag(flags, keys[i][0]))
            json_object_set_new(body, keys[i][1], json_string(crm_flag(flags, keys[i][0])));
    json_object_set_new(body, "admin_password", json_string(password));
    json_t *mods = json_array();
    const char *list = crm_flag(flags, "--modules");
    while (list && *list) {
        size_t n = strcspn(list, ",");
        if (n)
            json_array_append_new(mods, json_stringn(list, n));
        list += n + (list[n] == ',');
    }
    json_object_set_new(body, "modules", mods);
    crm_req_t *r = crm_cli_run(crm_tenants_create, body, NULL, NULL, NULL);
    int rc = 0;
    if (r->status != 201) {
        rc = crm_cli_failed("tenant create", r);
    } else {
        json_t *t = crm_cli_body(r);
        printf("created tenant %s (%s), id %s\n", json_string_value(json_object_get(t, "name")),
               json_string_value(json_object_get(t, "slug")),
               json_string_value(json_object_get(t, "id")));
        printf("admin: %s\n", crm_flag(flags, "--admin-email"));
        if (generated[0])
            printf("admin password (shown once): %s\n", generated);
        json_decref(t);
    }
    crm_cli_done(r);
    return rc;
}

static int
crm_cli_tenant_list(void)
{
    json_t *query = json_pack("{ss}", "limit", "200");
    int rc = 0;
    printf("%-36s  %-24s  %-9s  %-20s  %s\n", "ID", "SLUG", "STATUS", "TIME ZONE", "MODULES");
    for (;;) {
        crm_req_t *r = crm_cli_run(crm_tenants_list, NULL, NULL, NULL, json_deep_copy(query));
        if (r->status != 200) {
            rc = crm_cli_failed("tenant list", r);
            crm_cli_done(r);
            break;
        }
        json_t *page = crm_cli_body(r);
        crm_cli_done(r);
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(page, "data"), i, t) crm_cli_print_tenant(t);
        const char *next = json_string_value(json_object_get(page, "next_cursor"));
        if (next)
            json_object_set_new(query, "cursor", json_string(next));
        json_decref(page);
        if (!next)
            break;
    }
    json_decref(query);
    return rc;
}

static int
crm_cli_tenant_status(const char *slug, const char *status)
{
    crm_req_t *r =
        crm_cli_run(crm_tenants_patch, json_pack("{ss}", "status", status), NULL, slug, NULL);
    int rc = r->status == 200 ? 0 : crm_cli_failed("tenant", r);
    if (rc == 0)
        printf("tenant %s is %s\n", slug, status);
    crm_cli_done(r);
    return rc;
}

int
crm_cli_tenant(int argc, char **argv)
{
    crm_flag_t flags[] = {{"--name", false, NULL},
                          {"--slug", false, NULL},
                          {"--modules", false, NULL},
                          {"--admin-email", false, NULL},
                          {"--admin-password", false, NULL},
                          {"--admin-name", false, NULL},
                          {"--time-zone", false, NULL},
                          {"--default-country", false, NULL},
                          {NULL, false, NULL}};
    const char *action = argc > 0 ? argv[0] : NULL;
    const char *slug = NULL;
    crm_config_t config;
    if (!action) {
        fprintf(stderr, "crm tenant: create, list, suspend SLUG or resume SLUG (see --help)\n");
        return 2;
    }
    int rc = crm_cli_setup("tenant", argc - 1, argv + 1, flags, &slug, &config);
    if (rc != 0)
        return rc;
    if (strcmp(action, "create") == 0)
        rc = crm_cli_tenant_create(flags);
    else if (strcmp(action, "list") == 0)
        rc = crm_cli_tenant_list();
    else if ((strcmp(action, "suspend") == 0 || strcmp(action, "resume") == 0) && slug)
        rc = crm_cli_tenant_status(slug, action[0] == 's' ? "suspended" : "active");
    else {
        fprintf(stderr,
                "crm tenant: unknown action '%s' (create, list, suspend SLUG, resume "
                "SLUG)\n",
                action);
        rc = 2;
    }
    crm_db_close_thread();
    crm_password_free();
    return rc;
}

/* The id of the user with this email in the tenant; NULL after printing why. */
static char *
crm_cli_user_id(const char *tenant_id, const char *email)
{
    json_t *query = json_pack("{ss}", "limit", "200");
    char *id = NULL;
    for (bool more = true; more && !id;) {
        crm_req_t *r = crm_cli_run(crm_users_list, NULL, tenant_id, NULL, json_deep_copy(query));
        if (r->status != 200) {
            crm_cli_failed("user", r);
            crm_cli_done(r);
            break;
        }
        json_t *page = crm_cli_body(r);
        crm_cli_done(r);
        size_t i;
        json_t *u;
        json_array_foreach(
            json_object_get(page, "data"), i,
            u) if (!id && strcasecmp(json_string_value(json_object_get(u, "email")), email) == 0)
            id = crm_xstrdup(json_string_value(json_object_get(u, "id")));
        const char *next = json_string_value(json_object_get(page, "next_cursor"));
        more = next != NULL;
        if (next)
            json_object_set_new(query, "cursor", json_string(next));
        json_decref(page);
    }
    json_decref(query);
    return id;
}

static int
crm_cli_user_list(const char *tenant_id)
{
    json_t *query = json_pack("{ss}", "limit", "200");
    int rc = 0;
    printf("%-36s  %-32s  %-13s  %-6s  %s\n", "ID", "EMAIL", "ROLE", "ACTIVE", "NAME");
    for (bool more = true; more;) {
        crm_req_t *r = crm_cli_run(crm_users_list, NULL, tenant_id, NULL, json_deep_copy(query));
        if (r->status != 200) {
            rc = crm_cli_failed("user list", r);
            crm_cli_done(r);
            break;
        }
        json_t *page = crm_cli_body(r);
        crm_cli_done(r);
        size_t i;
        json_t *u;
        json_array_foreach(json_object_get(page, "data"), i, u)
            printf("%-36s  %-32s  %-13s  %-6s  %s\n", json_string_value(json_object_get(u, "id")),
                   json_string_value(json_object_get(u, "email")),
                   json_string_value(json_object_get(u, "role")),
                   json_is_true(json_object_get(u, "active")) ? "yes" : "no",
                   json_string_value(json_object_get(u, "full_name")));
        const char *next = json_string_value(json_object_get(page, "next_cursor"));
        more = next != NULL;
        if (next)
            json_object_set_new(query, "cursor", json_string(next));
        json_decref(page);
    }
    json_decref(query);
    return rc;
}

static int
crm_cli_user_action(const char *action, const char *tenant_id, crm_flag_t *flags)
{
    const char *email = crm_flag(flags, "--email");
    char generated[33] = "";
    const char *password = crm_flag(flags, "--password");
    if (!password && (strcmp(action, "create") == 0 || strcmp(action, "reset-password") == 0)) {
        crm_cli_password(generated);
        password = generated;
    }
    if (strcmp(action, "create") == 0) {
        json_t *body = json_pack("{ss* ss* ss* sb ss}", "email", email, "full_name",
                                 crm_flag(flags, "--full-name"), "role", crm_flag(flags, "--role"),
                                 "is_practitioner", crm_flag(flags, "--practitioner") != NULL,
                                 "password", password);
        crm_req_t *r = crm_cli_run(crm_users_create, body, tenant_id, NULL, NULL);
        int rc = r->status == 201 ? 0 : crm_cli_failed("user create", r);
        if (rc == 0)
            printf("created user %s%s%s\n", email, generated[0] ? ", password (shown once): " : "",
                   generated);
        crm_cli_done(r);
        return rc;
    }
    if (!email) {
        fprintf(stderr, "crm user %s: --email is required\n", action);
        return 2;
    }
    char *id = crm_cli_user_id(tenant_id, email);
    if (!id) {
        fprintf(stderr, "crm user %s: no user %s in this tenant\n", action, email);
        return 1;
    }
    json_t *body = strcmp(action, "disable") == 0 ? json_pack("{sb}", "active", 0)
                                                  : json_pack("{ss}", "password", password);
    crm_req_t *r = crm_cli_run(crm_users_patch, body, tenant_id, id, NULL);
    int rc = r->status == 200 ? 0 : crm_cli_failed(action, r);
    if (rc == 0 && strcmp(action, "disable") == 0)
        printf("disabled %s\n", email);
    else if (rc == 0)
        printf("new password for %s%s%s\n", email, generated[0] ? " (shown once): " : " set",
               generated);
    crm_cli_done(r);
    free(id);
    return rc;
}

int
crm_cli_user(int argc, char **argv)
{
    crm_flag_t flags[] = {{"--tenant", false, NULL},    {"--email", false, NULL},
                          {"--full-name", false, NULL}, {"--role", false, NULL},
                          {"--password", false, NULL},  {"--practitioner", true, NULL},
                          {NULL, false, NULL}};
    const char *action = argc > 0 ? argv[0] : NULL;
    static const char *const actions[] = {"create", "list", "disable", "reset-password", NULL};
    bool known = false;
    for (const char *const *a = actions; action && *a && !known; a++)
        known = strcmp(*a, action) == 0;
    if (!known) {
        fprintf(stderr, "crm user: create, list, disable or reset-password --tenant SLUG ...\n");
        return 2;
    }
    crm_config_t config;
    int rc = crm_cli_setup("user", argc - 1, argv + 1, flags, NULL, &config);
    if (rc != 0)
        return rc;
    const char *slug = crm_flag(flags, "--tenant");
    char *tenant_id = NULL;
    if (!slug) {
        fprintf(stderr, "crm user %s: --tenant SLUG is required\n", action);
        rc = 2;
    } else if (!(tenant_id = crm_cli_tenant_id("user", slug))) {
        rc = 1;
    } else if (strcmp(action, "list") == 0) {
        rc = crm_cli_user_list(tenant_id);
    } else {
        rc = crm_cli_user_action(action, tenant_id, flags);
    }
    free(tenant_id);
    crm_db_close_thread();
    crm_password_free();
    return rc;
}

int
crm_cli_keys(int argc, char **argv)
{
    const char *alg = "HS256", *kid = NULL, *dir = ".";
    if (argc < 1 || strcmp(argv[0], "generate") != 0) {
        fprintf(stderr, "crm keys: generate [--alg HS256|RS256|ES256] [--kid KID] [--dir DIR]\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        const char **target = strcmp(argv[i], "--alg") == 0   ? &alg
                              : strcmp(argv[i], "--kid") == 0 ? &kid
                              : strcmp(argv[i], "--dir") == 0 ? &dir
                                                              : NULL;
        if (!target || i + 1 >= argc) {
            fprintf(stderr, "crm keys generate: unknown or incomplete argument '%s'\n", argv[i]);
            return 2;
        }
        *target = argv[++i];
    }
    char kid_buf[40], err[512];
    if (!kid) {
        unsigned char rnd[3];
        randombytes_buf(rnd, sizeof(rnd));
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        snprintf(kid_buf, sizeof(kid_buf), "k%04d%02d%02d-%02x%02x%02x", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, rnd[0], rnd[1], rnd[2]);
        kid = kid_buf;
    }
    char *entry = crm_jws_generate_entry(alg, kid, dir, err, sizeof(err));
    if (!entry) {
        fprintf(stderr, "crm keys generate: %s\n", err);
        return 2;
    }
    printf("%s\n", entry);
    free(entry);
    return 0;
}

int
crm_cli_permissions(int argc, char **argv)
{
    (void)argv;
    if (argc > 0) {
        fprintf(stderr, "crm permissions: takes no arguments\n");
        return 2;
    }
    char *md = crm_rbac_markdown();
    fputs(md, stdout);
    free(md);
    return 0;
}
