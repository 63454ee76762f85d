/* admin.c - the administration commands: tenant, user, keys, permissions. Tenant and user
 * commands run the very handlers of the platform and users APIs (cli.h). */
#include "cli/admin.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/tenant_archive.h"
#include "core/db/db.h"
#include "core/auth/jws.h"
#include "core/auth/password.h"
#include "core/auth/rbac.h"
#include "core/http/request.h"
#include "core/util/uuid.h"
#include "crm/handlers.h"

/* A readable random password for --admin-password/--password left out. */
static void
crm_cli_password(char out[33])
{
    unsigned char raw[24];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, 33, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
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
crm_cli_print_tenant_row(json_t *t, void *arg)
{
    (void)arg;
    crm_cli_print_tenant(t);
    return 0;
}

static int
crm_cli_tenant_list(void)
{
    printf("%-36s  %-24s  %-9s  %-20s  %s\n", "ID", "SLUG", "STATUS", "TIME ZONE", "MODULES");
    return crm_cli_each_item("tenant list", crm_tenants_list, NULL, crm_cli_print_tenant_row, NULL);
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

/* crm tenant sms-senders SLUG --sms-senders "+447700900123,CLINIC": the senders the tenant's
 * messages may go from ("": none). */
static int
crm_cli_tenant_senders(const char *slug, const char *list)
{
    json_t *senders = json_array();
    char *copy = crm_xstrdup(list), *save = NULL;
    for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
        json_array_append_new(senders, json_string(p));
    free(copy);
    crm_req_t *r =
        crm_cli_run(crm_tenants_patch, json_pack("{so}", "sms_senders", senders), NULL, slug, NULL);
    int rc = r->status == 200 ? 0 : crm_cli_failed("tenant", r);
    if (rc == 0)
        printf("tenant %s sends SMS from: %s\n", slug, *list ? list : "(none assigned)");
    crm_cli_done(r);
    return rc;
}

/* `crm tenant export`: the tenant found by its slug (or id) through the platform API. */
static int
crm_cli_tenant_archive_out(const crm_config_t *config, const char *slug, const char *out)
{
    char *id = crm_cli_tenant_id("tenant export", slug);
    int rc = id ? crm_cli_tenant_export(config->database_url, id, out) : 1;
    free(id);
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
                          {"--sms-senders", false, NULL},
                          {"--tenant", false, NULL},
                          {"--out", false, NULL},
                          {"--in", false, NULL},
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
    else if (strcmp(action, "sms-senders") == 0 && slug && flags[8].value)
        rc = crm_cli_tenant_senders(slug, flags[8].value);
    else if (strcmp(action, "export") == 0 && flags[9].value && flags[10].value)
        rc = crm_cli_tenant_archive_out(&config, flags[9].value, flags[10].value);
    else if (strcmp(action, "import") == 0 && flags[11].value)
        rc = crm_cli_tenant_import(config.database_url, flags[11].value);
    else {
        fprintf(stderr,
                "crm tenant: unknown action '%s' (create, list, suspend SLUG, resume "
                "SLUG, sms-senders SLUG --sms-senders LIST, export --tenant SLUG --out FILE, "
                "import --in FILE)\n",
                action);
        rc = 2;
    }
    crm_db_close_thread();
    crm_password_free();
    return rc;
}

typedef struct crm_user_search {
    const char *email;
    char *id; /* found */
} crm_user_search_t;

static int
crm_cli_user_match(json_t *u, void *arg)
{
    crm_user_search_t *s = arg;
    if (strcasecmp(json_string_value(json_object_get(u, "email")), s->email) != 0)
        return 0;
    s->id = crm_xstrdup(json_string_value(json_object_get(u, "id")));
    return 1; /* found: stop */
}

/* The id of the user with this email in the tenant; NULL after printing why. */
static char *
crm_cli_user_id(const char *tenant_id, const char *email)
{
    crm_user_search_t s = {email, NULL};
    crm_cli_each_item("user", crm_users_list, tenant_id, crm_cli_user_match, &s);
    return s.id;
}

static int
crm_cli_print_user(json_t *u, void *arg)
{
    (void)arg;
    printf("%-36s  %-32s  %-13s  %-6s  %s\n", json_string_value(json_object_get(u, "id")),
           json_string_value(json_object_get(u, "email")),
           json_string_value(json_object_get(u, "role")),
           json_is_true(json_object_get(u, "active")) ? "yes" : "no",
           json_string_value(json_object_get(u, "full_name")));
    return 0;
}

static int
crm_cli_user_list(const char *tenant_id)
{
    printf("%-36s  %-32s  %-13s  %-6s  %s\n", "ID", "EMAIL", "ROLE", "ACTIVE", "NAME");
    return crm_cli_each_item("user list", crm_users_list, tenant_id, crm_cli_print_user, NULL);
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
