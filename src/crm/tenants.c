/* tenants.c - provisioning: create, list, read and suspend/resume tenants. Serves the platform
 * API and the `crm tenant` commands alike; runs as crm_platform, the only role whose policies
 * see every tenant. */
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "core/util/buf.h"
#include "core/db/db.h"
#include "core/db/listing.h"
#include "core/module.h"
#include "core/auth/password.h"
#include "core/auth/tenant_modules.h"
#include "core/http/request.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/handlers.h"

#define CRM_TENANT_JSON                                                                            \
    "json_build_object('id', t.id, 'name', t.name, 'slug', t.slug, 'status', t.status,"            \
    " 'time_zone', t.time_zone, 'default_country', t.default_country, 'modules',"                  \
    " coalesce((SELECT json_agg(m.module ORDER BY m.module) FROM tenant_modules m"                 \
    "           WHERE m.tenant_id = t.id), '[]'::json),"                                           \
    " 'created_at', t.created_at, 'updated_at', t.updated_at)"

static bool
crm_matches(const char *s, const char *pattern)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    bool ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

/* "modules": names of compiled-in industry modules, as a PostgreSQL text[] literal. */
static const char *
crm_tenant_modules(crm_req_t *r)
{
    json_t *mods = json_object_get(r->json, "modules");
    if (!mods)
        return "{}";
    if (!json_is_array(mods)) {
        crm_req_field_error(r, "modules", "must be an array of module names");
        return NULL;
    }
    crm_buf_t b;
    crm_buf_init(&b, r->arena, 64);
    crm_buf_putc(&b, '{');
    size_t i;
    json_t *m;
    json_array_foreach(mods, i, m)
    {
        const char *name = json_string_value(m);
        bool known = false;
        for (const crm_module_t *const *mp = crm_modules + 1; *mp && name && !known; mp++)
            known = strcmp((*mp)->name, name) == 0;
        if (!known) {
            crm_req_field_error(r, "modules", "%s is not a module of this server",
                                name ? name : "(not a string)");
            return NULL;
        }
        crm_buf_printf(&b, "%s%s", i ? "," : "", name);
    }
    crm_buf_putc(&b, '}');
    return b.data;
}

/* A platform call about one tenant, in that tenant's audit log ({id} is its id or slug). */
static const crm_stmt_t crm_stmt_platform_audit = {
    "core.platform_audit",
    "SELECT audit_platform(t.id, jsonb_build_object('method', $2::text, 'path', $3::text))"
    " FROM tenants t WHERE t.id::text = $1 OR t.slug = $1"};

static void
crm_tenant_audit_call(crm_tx_t *tx, crm_req_t *r, const char *key)
{
    crm_tx_add(tx, &crm_stmt_platform_audit, 3, (const char *[]){key, r->method, r->path});
}

static const crm_stmt_t crm_stmt_tenant_insert = {
    "core.tenant_insert", "INSERT INTO tenants (id, name, slug, time_zone, default_country)"
                          " VALUES ($1, $2, $3, coalesce($4, 'UTC'), coalesce($5, 'US'))"};
static const crm_stmt_t crm_stmt_tenant_modules = {
    "core.tenant_modules",
    "INSERT INTO tenant_modules (tenant_id, module) SELECT $1, unnest($2::text[])"};
static const crm_stmt_t crm_stmt_tenant_admin = {
    "core.tenant_admin", "INSERT INTO users (tenant_id, email, password_hash, full_name, role)"
                         " VALUES ($1, $2, $3, $4, 'admin') RETURNING id"};
static const crm_stmt_t crm_stmt_tenant_pipeline = {"core.tenant_pipeline",
                                                    "SELECT create_default_pipeline($1)"};
static const crm_stmt_t crm_stmt_tenant_get = {
    "core.tenant_get", "SELECT " CRM_TENANT_JSON " FROM tenants t WHERE t.id = $1"};

/* The field a failed constraint of the tenant insert is about. */
static const char *
crm_tenant_constraint_field(const char *constraint)
{
    static const struct {
        const char *constraint, *field;
    } map[] = {
        {"tenants_slug_key", "slug"},
        {"tenants_slug_check", "slug"},
        {"tenants_time_zone_check", "time_zone"},
        {"tenants_name_check", "name"},
        {"tenants_default_country_check", "default_country"},
        {"users_email_check", "admin_email"},
    };
    for (size_t i = 0; constraint && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].constraint, constraint) == 0)
            return map[i].field;
    return NULL;
}

void
crm_tenants_create(crm_req_t *r)
{
    static const char *const fields[] = {"name",
                                         "slug",
                                         "modules",
                                         "admin_email",
                                         "admin_password",
                                         "admin_full_name",
                                         "time_zone",
                                         "default_country",
                                         NULL};
    if (!crm_body_fields(r, fields))
        return;
    const char *name = crm_field_string(r, "name", true, 200);
    const char *slug = crm_field_string(r, "slug", true, 63);
    if (slug && !crm_matches(slug, "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"))
        crm_req_field_error(r, "slug", "must be lower-case letters, digits and inner hyphens");
    const char *modules = crm_tenant_modules(r);
    const char *email = crm_field_string(r, "admin_email", true, 254);
    if (email && !strchr(email, '@'))
        crm_req_field_error(r, "admin_email", "must be an email address");
    const char *password = crm_field_string(r, "admin_password", true, CRM_PASSWORD_MAX_BYTES);
    const char *why = password ? crm_password_rule_violation(password, email, name) : NULL;
    if (why)
        crm_req_field_error(r, "admin_password", "%s", why);
    const char *full_name = crm_field_string(r, "admin_full_name", false, 200);
    const char *tz = crm_field_string(r, "time_zone", false, 64);
    const char *country = crm_field_string(r, "default_country", false, 2);
    if (country && !crm_matches(country, "^[A-Z]{2}$"))
        crm_req_field_error(r, "default_country", "must be an ISO 3166 alpha-2 code (GB, US)");
    if (crm_fields_failed(r, "the tenant is not valid"))
        return;
    char hash[CRM_PASSWORD_HASH_MAX];
    if (crm_password_hash(password, hash) != CRM_PW_OK) {
        crm_req_add_header(r, "Retry-After", "1");
        crm_reply_problem(r, 503, "the server is busy hashing passwords; retry shortly");
        return;
    }
    char id[CRM_UUID_LEN + 1];
    crm_uuid_v4(id);
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_use_platform_role(tx);
    crm_tx_add(tx, &crm_stmt_tenant_insert, 5, (const char *[]){id, name, slug, tz, country});
    crm_tx_add(tx, &crm_stmt_tenant_modules, 2, (const char *[]){id, modules});
    int a = crm_tx_add(tx, &crm_stmt_tenant_admin, 4,
                       (const char *[]){id, email, hash, full_name ? full_name : "Administrator"});
    crm_tx_add(tx, &crm_stmt_tenant_pipeline, 1, (const char *[]){id});
    int g = crm_tx_add(tx, &crm_stmt_tenant_get, 1, (const char *[]){id});
    crm_tenant_audit_call(tx, r, id);
    if (crm_tx_run(tx) != 0) {
        const char *field = crm_tenant_constraint_field(crm_tx_constraint(tx));
        const char *state = crm_tx_sqlstate(tx);
        if (field && state && strcmp(state, "23505") == 0) {
            crm_req_field_error(r, field, "is taken by another tenant");
            crm_reply_problem(r, 409, "a tenant with this slug exists");
        } else if (field) {
            crm_req_field_error(r, field, "is not valid");
            crm_reply_problem(r, 422, "the tenant is not valid");
        }
        return;
    }
    size_t mi;
    json_t *mod;
    json_array_foreach(json_object_get(r->json, "modules"), mi, mod)
        crm_tenant_modules_set(id, json_string_value(mod), true); /* at once, in this process */
    json_t *t = json_loads(PQgetvalue(crm_tx_result(tx, g), 0, 0), 0, NULL);
    json_object_set_new(t, "admin_user_id", json_string(PQgetvalue(crm_tx_result(tx, a), 0, 0)));
    crm_req_add_header(r, "Location", crm_arena_sprintf(r->arena, "/platform/v1/tenants/%s", id));
    crm_reply_json(r, 201, t);
}

static const crm_stmt_t crm_stmt_tenants_list = {
    "core.tenants_list",
    "SELECT " CRM_TENANT_JSON ", t.created_at, t.id FROM tenants t"
    " WHERE ($1::timestamptz IS NULL OR (t.created_at, t.id) > ($1::timestamptz, $2::uuid))"
    " ORDER BY t.created_at, t.id LIMIT $3::int"};

void
crm_tenants_list(crm_req_t *r)
{
    crm_page_t page;
    if (!crm_page_read(r, &page, "tenants"))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_use_platform_role(tx);
    int i = crm_tx_add(tx, &crm_stmt_tenants_list, 3,
                       (const char *[]){page.after_key, page.after_id, page.fetch});
    if (crm_tx_run(tx) == 0)
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}

static const crm_stmt_t crm_stmt_tenant_by_key = {
    "core.tenant_by_key",
    "SELECT " CRM_TENANT_JSON " FROM tenants t WHERE t.id::text = $1 OR t.slug = $1"};

/* {id} is the tenant's id or its slug. */
void
crm_tenants_get(crm_req_t *r)
{
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_use_platform_role(tx);
    int i = crm_tx_add(tx, &crm_stmt_tenant_by_key, 1, (const char *[]){crm_req_param(r, "id")});
    crm_tenant_audit_call(tx, r, crm_req_param(r, "id"));
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    if (PQntuples(res) != 1) {
        crm_reply_problem(r, 404, "no such tenant");
        return;
    }
    crm_reply(r, 200, "application/json", PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

static const crm_stmt_t crm_stmt_tenant_status = {
    "core.tenant_status", "WITH changed AS (UPDATE tenants SET status = $2, updated_at = now()"
                          "  WHERE id::text = $1 OR slug = $1 RETURNING *)"
                          " SELECT " CRM_TENANT_JSON " FROM changed t"};

/* PATCH {"status": "active" | "suspended"}: a suspended tenant's users cannot log in, refresh
 * or use their access tokens (within the deny list's reload interval). */
void
crm_tenants_patch(crm_req_t *r)
{
    static const char *const fields[] = {"status", NULL};
    if (!crm_body_fields(r, fields))
        return;
    const char *status = crm_field_string(r, "status", true, 16);
    if (status && strcmp(status, "active") != 0 && strcmp(status, "suspended") != 0)
        crm_req_field_error(r, "status", "must be active or suspended");
    if (crm_fields_failed(r, "the change is not valid"))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_use_platform_role(tx);
    int i = crm_tx_add(tx, &crm_stmt_tenant_status, 2,
                       (const char *[]){crm_req_param(r, "id"), status});
    crm_tenant_audit_call(tx, r, crm_req_param(r, "id"));
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    if (PQntuples(res) != 1) {
        crm_reply_problem(r, 404, "no such tenant");
        return;
    }
    crm_reply(r, 200, "application/json", PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}
