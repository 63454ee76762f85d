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
#include "core/http/db_problem.h"
#include "core/http/request.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "core/util/phone.h"
#include "crm/handlers.h"
#include "crm/records.h"
#include "crm_tenants_sql.h"

CRM_PAGE_ROW(TENANTS_LIST);

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

/* The call, in the log of tenant id (nothing when there is no such tenant). */
static void
crm_tenant_audit_call(crm_tx_t *tx, crm_req_t *r, const char *id)
{
    CRM_TX_ADD(tx, crm_sql_platform_audit, id, r->method, r->path);
}

/* The id of the tenant {id} names, by id or slug: a slug is looked up first, so that the
 * statements after it name the tenant by value (a distributed database then runs its audit
 * row on the tenant's node). NULL after replying 404, or the failure. */
static const char *
crm_tenant_key_id(crm_req_t *r)
{
    const char *key = crm_req_param(r, "id");
    if (crm_uuid_valid(key))
        return key;
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_use_platform_role(tx);
    int i = CRM_TX_ADD(tx, crm_sql_tenant_id_of_slug, key);
    if (crm_tx_run(tx) != 0)
        return NULL;
    PGresult *res = crm_tx_result(tx, i);
    if (PQntuples(res) != 1) {
        crm_reply_problem(r, 404, "no such tenant");
        return NULL;
    }
    return crm_arena_strdup(r->arena, PQgetvalue(res, 0, TENANT_ID_OF_SLUG_ID));
}

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
        if (crm_db_constraint_is(constraint, map[i].constraint))
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
    CRM_TX_ADD(tx, crm_sql_tenant_insert, id, name, slug, tz, country);
    CRM_TX_ADD(tx, crm_sql_tenant_modules, id, modules);
    int a = CRM_TX_ADD(tx, crm_sql_tenant_admin, id, email, hash,
                       full_name ? full_name : "Administrator");
    CRM_TX_ADD(tx, crm_sql_tenant_pipeline, id);
    int g = CRM_TX_ADD(tx, crm_sql_tenant_get, id);
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
    json_t *t = json_loads(PQgetvalue(crm_tx_result(tx, g), 0, TENANT_GET_J), 0, NULL);
    json_object_set_new(t, "admin_user_id",
                        json_string(PQgetvalue(crm_tx_result(tx, a), 0, TENANT_ADMIN_ID)));
    crm_req_add_header(r, "Location", crm_arena_sprintf(r->arena, "/platform/v1/tenants/%s", id));
    crm_reply_json(r, 201, t);
}

void
crm_tenants_list(crm_req_t *r)
{
    crm_page_t page;
    if (!crm_page_read(r, &page, "tenants"))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_use_platform_role(tx);
    int i = CRM_TX_ADD(tx, crm_sql_tenants_list, page.after_key, page.after_id, page.fetch);
    if (crm_tx_run(tx) == 0)
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}

/* {id} is the tenant's id or its slug. */
void
crm_tenants_get(crm_req_t *r)
{
    const char *id = crm_tenant_key_id(r);
    if (!id)
        return;
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_use_platform_role(tx);
    int i = CRM_TX_ADD(tx, crm_sql_tenant_by_key, id);
    crm_tenant_audit_call(tx, r, id);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    if (PQntuples(res) != 1) {
        crm_reply_problem(r, 404, "no such tenant");
        return;
    }
    crm_reply(r, 200, "application/json", PQgetvalue(res, 0, TENANT_BY_KEY_J),
              (size_t)PQgetlength(res, 0, TENANT_BY_KEY_J));
}

/* The SMS senders a PATCH assigns: a JSON array of at most CRM_TENANT_MAX_SENDERS distinct
 * senders (crm_sms_sender), as text for the statement; NULL when not given or not valid
 * (a field error then). */
#define CRM_TENANT_MAX_SENDERS 20
static const char *
crm_tenant_sms_senders(crm_req_t *r)
{
    json_t *v = json_object_get(r->json, "sms_senders");
    if (!v)
        return NULL;
    if (!json_is_array(v) || json_array_size(v) > CRM_TENANT_MAX_SENDERS) {
        crm_req_field_error(r, "sms_senders", "must be an array of at most %d SMS senders",
                            CRM_TENANT_MAX_SENDERS);
        return NULL;
    }
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        char sender[CRM_PHONE_MAX];
        const char *field = crm_arena_sprintf(r->arena, "sms_senders[%zu]", i);
        if (!crm_sms_sender(json_string_value(e), sender)) {
            crm_req_field_error(r, field,
                                "must be a number in E.164 (+447700900123) or a sender id of 1 "
                                "to %d letters, digits and spaces with at least one letter",
                                CRM_SMS_SENDER_ID_MAX);
            continue;
        }
        bool repeated = false;
        size_t j;
        json_t *seen;
        json_array_foreach(out, j, seen) repeated =
            repeated || strcmp(json_string_value(seen), sender) == 0;
        if (repeated)
            crm_req_field_error(r, field, "is listed twice");
        else
            json_array_append_new(out, json_string(sender));
    }
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    crm_arena_cleanup(r->arena, free, text);
    return text;
}

/* PATCH {"status": "active" | "suspended", "sms_senders": [...]} (either or both): a
 * suspended tenant's users cannot log in, refresh or use their access tokens (within the deny
 * list's reload interval); sms_senders are the numbers and sender ids the tenant's messages
 * may go from (its settings' sms_sender is one of them). */
void
crm_tenants_patch(crm_req_t *r)
{
    static const char *const fields[] = {"status", "sms_senders", NULL};
    if (!crm_body_fields(r, fields))
        return;
    bool senders_given = json_object_get(r->json, "sms_senders") != NULL;
    const char *status = crm_field_string(r, "status", !senders_given, 16);
    if (status && strcmp(status, "active") != 0 && strcmp(status, "suspended") != 0)
        crm_req_field_error(r, "status", "must be active or suspended");
    const char *senders = crm_tenant_sms_senders(r);
    if (crm_fields_failed(r, "the change is not valid"))
        return;
    const char *id = crm_tenant_key_id(r);
    if (!id)
        return;
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_use_platform_role(tx);
    int i = CRM_TX_ADD(tx, crm_sql_tenant_status, id, status, senders);
    crm_tenant_audit_call(tx, r, id);
    crm_tx_quiet(tx);
    if (crm_tx_run(tx) != 0) {
        const char *c = crm_tx_constraint(tx);
        if (crm_db_constraint_is(c, "tenants_sms_senders_unique")) {
            crm_req_field_error(r, "sms_senders", "holds a number assigned to another tenant");
            crm_reply_problem(r, 409, "an SMS number is another tenant's");
        } else {
            crm_reply_db_error(r, crm_tx_error(tx));
        }
        return;
    }
    PGresult *res = crm_tx_result(tx, i);
    if (PQntuples(res) != 1) {
        crm_reply_problem(r, 404, "no such tenant");
        return;
    }
    crm_reply(r, 200, "application/json", PQgetvalue(res, 0, TENANT_STATUS_J),
              (size_t)PQgetlength(res, 0, TENANT_STATUS_J));
}
