/* contacts.c - contacts (of the types modules declare): create, read, list, change, delete,
 * restore */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/contact_types.h"
#include "core/util/buf.h"
#include "core/db/db.h"
#include "core/db/idempotency.h"
#include "core/db/listing.h"
#include "core/util/phone.h"
#include "core/auth/rbac.h"
#include "core/http/request.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/contacts.h"
#include "crm/custom_fields.h"
#include "crm/handlers.h"
#include "crm/records.h"

#define CRM_CONTACT_JSON                                                                           \
    "json_build_object('id', c.id, 'tenant_id', c.tenant_id, 'type', c.type, 'first_name',"        \
    " c.first_name, 'last_name', c.last_name, 'email', c.email, 'phone', c.phone,"                 \
    " 'date_of_birth', c.date_of_birth, 'gender', c.gender, 'address', c.address, 'company',"      \
    " c.company, 'tags', c.tags, 'owner_id', c.owner_id, 'source', c.source, 'custom_fields',"     \
    " c.custom_fields, 'consent', c.consent, 'consent_updated_at', c.consent_updated_at,"          \
    " 'created_at', c.created_at, 'updated_at', c.updated_at, 'created_by', c.created_by,"         \
    " 'version', c.version)"

static const char *const crm_genders[] = {"female", "male", "other", "unknown", NULL};
static const char *const crm_consents[] = {"email_marketing", "sms_marketing", "sms_reminders",
                                           "email_reminders", NULL};
static const char *const crm_address_keys[] = {"line1",       "line2",   "city", "region",
                                               "postal_code", "country", NULL};

const char *const crm_contact_fields[] = {
    "type",    "first_name", "last_name", "email",  "phone",   "date_of_birth", "gender", "address",
    "company", "tags",       "owner_id",  "source", "consent", "custom_fields", NULL};

/* The validated input of a create or a change; NULL members were not given (or are null). */
typedef struct crm_contact_in {
    const char *type, *first_name, *last_name, *email, *phone, *date_of_birth, *gender;
    const char *address, *company, *tags, *owner_id, *source, *consent, *custom_fields;
    const char *mask; /* PATCH: text[] literal of the fields given */
} crm_contact_in_t;

static const char *
crm_json_text(crm_req_t *r, json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    crm_arena_cleanup(r->arena, free, s);
    return s;
}

static const char *
crm_contact_address(crm_req_t *r)
{
    json_t *a = json_object_get(r->json, "address");
    if (!a || json_is_null(a))
        return NULL;
    if (!json_is_object(a)) {
        crm_req_field_error(r, "address",
                            "must be an object (line1, line2, city, region, "
                            "postal_code, country)");
        return NULL;
    }
    const char *key;
    json_t *v;
    json_object_foreach(a, key, v)
    {
        bool known = false;
        for (const char *const *k = crm_address_keys; *k && !known; k++)
            known = strcmp(*k, key) == 0;
        char *field = crm_arena_sprintf(r->arena, "address.%s", key);
        if (!known)
            crm_req_field_error(r, field, "is not a part of an address");
        else if (!json_is_string(v) || json_string_length(v) > 200)
            crm_req_field_error(r, field, "must be text of at most 200 characters");
        else if (strcmp(key, "country") == 0 &&
                 (json_string_length(v) != 2 || json_string_value(v)[0] < 'A' ||
                  json_string_value(v)[0] > 'Z' || json_string_value(v)[1] < 'A' ||
                  json_string_value(v)[1] > 'Z'))
            crm_req_field_error(r, field, "must be an ISO 3166 alpha-2 code (GB, US)");
    }
    return crm_json_text(r, a);
}

static const char *
crm_contact_tags(crm_req_t *r)
{
    json_t *t = json_object_get(r->json, "tags");
    if (!t || json_is_null(t))
        return NULL;
    bool ok = json_is_array(t) && json_array_size(t) <= 50;
    size_t i;
    json_t *v;
    json_array_foreach(t, i, v) ok =
        ok && json_is_string(v) && json_string_length(v) >= 1 && json_string_length(v) <= 50;
    if (!ok) {
        crm_req_field_error(r, "tags", "must be at most 50 tags of 1 to 50 characters");
        return NULL;
    }
    return crm_json_text(r, t);
}

static const char *
crm_contact_consent(crm_req_t *r)
{
    json_t *c = json_object_get(r->json, "consent");
    if (!c || json_is_null(c))
        return NULL;
    if (!json_is_object(c)) {
        crm_req_field_error(r, "consent", "must be an object of booleans");
        return NULL;
    }
    const char *key;
    json_t *v;
    json_object_foreach(c, key, v)
    {
        bool known = false;
        for (const char *const *k = crm_consents; *k && !known; k++)
            known = strcmp(*k, key) == 0;
        char *field = crm_arena_sprintf(r->arena, "consent.%s", key);
        if (!known)
            crm_req_field_error(r, field,
                                "is not a kind of consent (email_marketing, "
                                "sms_marketing, sms_reminders, email_reminders)");
        else if (!json_is_boolean(v))
            crm_req_field_error(r, field, "must be true or false");
    }
    return crm_json_text(r, c);
}

/* Reads every field of the body that needs no database; the phone stays raw. */
static void
crm_contact_read(crm_req_t *r, crm_contact_in_t *in, bool creating)
{
    memset(in, 0, sizeof(*in));
    in->type = crm_field_enum(r, "type", crm_contact_type_names(), creating);
    in->first_name = crm_field_string(r, "first_name", false, 100);
    in->last_name = crm_field_string(r, "last_name", false, 100);
    in->company = crm_field_string(r, "company", false, 200);
    in->email = crm_field_email(r, "email", false);
    in->phone = crm_field_string(r, "phone", false, 40);
    in->date_of_birth = crm_field_date(r, "date_of_birth", false);
    in->gender = crm_field_enum(r, "gender", crm_genders, false);
    in->address = crm_contact_address(r);
    in->tags = crm_contact_tags(r);
    in->owner_id = crm_field_uuid(r, "owner_id", false);
    in->source = crm_field_string(r, "source", false, 100);
    in->consent = crm_contact_consent(r);
    if (creating && !in->first_name && !in->last_name && !in->company &&
        !crm_field_present(r, "first_name") && !crm_field_present(r, "last_name") &&
        !crm_field_present(r, "company"))
        crm_req_field_error(r, "last_name",
                            "a contact needs a first name, a last name or a "
                            "company");
    if (crm_field_is_null(r, "type"))
        crm_req_field_error(r, "type", "cannot be removed");
}

/* What needs the tenant's context: the phone in E.164 (national numbers in the tenant's
 * default country), custom fields against the tenant's definitions. */
static void
crm_contact_apply(crm_req_t *r, crm_contact_in_t *in, const char *country, const char *defs,
                  bool creating)
{
    if (in->phone) {
        char e164[CRM_PHONE_MAX];
        if (crm_phone_e164(in->phone, country, e164)) {
            in->phone = crm_arena_strdup(r->arena, e164);
        } else {
            crm_req_field_error(r, "phone", "is not a phone number (E.164, or national for %s)",
                                country);
            in->phone = NULL;
        }
    }
    json_t *cf = crm_custom_fields_check(r, defs, creating);
    if (cf) {
        in->custom_fields = crm_json_text(r, cf);
        json_decref(cf);
    }
}

json_t *
crm_contact_import_row(crm_req_t *r, json_t *row, const char *country, const char *defs)
{
    json_t *saved = r->json;
    r->json = row;
    crm_field_error_t *before = r->errors_tail;
    crm_contact_in_t in;
    if (crm_body_fields(r, crm_contact_fields)) {
        crm_contact_read(r, &in, true);
        crm_contact_apply(r, &in, country, defs, true);
    }
    r->json = saved;
    if (r->errors_tail != before)
        return NULL;
    json_t *out = json_object();
    const char *text[][2] = {{"type", in.type},           {"first_name", in.first_name},
                             {"last_name", in.last_name}, {"email", in.email},
                             {"phone", in.phone},         {"date_of_birth", in.date_of_birth},
                             {"gender", in.gender},       {"company", in.company},
                             {"owner_id", in.owner_id},   {"source", in.source}};
    for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
        if (text[i][1])
            json_object_set_new(out, text[i][0], json_string(text[i][1]));
    const char *objs[][2] = {{"address", in.address},
                             {"tags", in.tags},
                             {"custom_fields", in.custom_fields},
                             {"consent", in.consent}};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        if (objs[i][1])
            json_object_set_new(out, objs[i][0], json_loads(objs[i][1], JSON_DECODE_ANY, NULL));
    return out;
}

/* The field an integrity error of a contact write is about. */
static bool
crm_contact_db_fault(crm_req_t *r, crm_tx_t *tx)
{
    const char *cons = crm_tx_constraint(tx);
    if (crm_idem_conflict(r, cons))
        return true;
    if (cons && strstr(cons, "owner_id")) {
        crm_req_field_error(r, "owner_id", "is not a user of this tenant");
        crm_reply_problem(r, 422, "the contact is not valid");
        return true;
    }
    return false;
}

/* A live contact with the same email, phone, or name and date of birth blocks the insert
 * unless $15 (allow_duplicate); the answer names them. One arm per rule, each an index probe
 * on a leakproof equality (core migration 0010; a NULL parameter matches nothing): as one OR
 * on citext and lower(), it was a scan of the tenant's contacts (26 ms at 30,000). The body
 * was validated against a remembered context ($18, $19): nothing is written unless it is
 * still the tenant's (columns 7-9). */
#define CRM_DUP_LIVE "d.deleted_at IS NULL AND d.merged_into IS NULL"
/* clang-format off */
static const crm_stmt_t crm_stmt_contact_create = {
    "core.contact_create",
    "WITH " CRM_IDEM_PRIOR("contacts", "$16") ","
    CRM_ENTITY_CONTEXT_CHECK("'contact'", "$18", "$19") ","
    " dup AS (SELECT u.id FROM ("
    "   SELECT d.id, d.created_at FROM contacts d WHERE d.tenant_id = current_tenant_id()"
    "     AND d.email_key = lower($4) AND " CRM_DUP_LIVE
    "   UNION SELECT d.id, d.created_at FROM contacts d"
    "     WHERE d.tenant_id = current_tenant_id() AND d.phone = $5 AND " CRM_DUP_LIVE
    "   UNION SELECT d.id, d.created_at FROM contacts d"
    "     WHERE d.tenant_id = current_tenant_id() AND d.date_of_birth = $6::date"
    "     AND d.name_key = lower(coalesce($3, '')) || '|' || lower(coalesce($2, ''))"
    "     AND " CRM_DUP_LIVE ") u WHERE NOT EXISTS (SELECT 1 FROM prior)"
    "   ORDER BY u.created_at LIMIT 10),"
    " c AS (INSERT INTO contacts AS c (tenant_id, type, first_name, last_name, email, phone,"
    "   date_of_birth, gender, address, company, tags, owner_id, source, custom_fields,"
    "   consent, consent_updated_at, created_by)"
    "   SELECT current_tenant_id(), $1, $2, $3, $4, $5, $6::date, $7,"
    "   coalesce($8::jsonb, '{}'), $9,"
    "   ARRAY(SELECT DISTINCT jsonb_array_elements_text(coalesce($10::jsonb, '[]')) ORDER BY 1),"
    "   $11::uuid, $12, coalesce($13::jsonb, '{}'), coalesce($14::jsonb, '{}'),"
    "   coalesce((SELECT jsonb_object_agg(k, now()) FROM jsonb_object_keys($14::jsonb) k), '{}'),"
    "   nullif(current_setting('app.user_id', true), '')::uuid"
    "   WHERE NOT EXISTS (SELECT 1 FROM prior) AND (SELECT ok FROM ctx)"
    "     AND ($15::boolean OR NOT EXISTS (SELECT 1 FROM dup))"
    "   RETURNING " CRM_CONTACT_JSON " AS j, c.version, c.id),"
    " " CRM_IDEM_STORE("contacts", "$16", "$17", "c")
    " SELECT (SELECT j FROM c), (SELECT version FROM c), (SELECT json_agg(id) FROM dup), "
    CRM_IDEM_COLUMNS ", (SELECT id FROM c), " CRM_ENTITY_CONTEXT_COLUMNS " FROM ctx"};
/* clang-format on */

/* Reads and validates the body against the tenant's context; with a remembered context that
 * finds faults, once more against the database's (the definitions may have just changed). */
static bool
crm_contact_validate(crm_req_t *r, crm_contact_in_t *in, bool creating, bool fresh,
                     const char **country, const char **defs)
{
    bool cached;
    if (!crm_entity_context(r, "contact", fresh, country, defs, &cached))
        return false;
    crm_field_error_t *mark = r->errors_tail;
    crm_contact_read(r, in, creating);
    crm_contact_apply(r, in, *country, *defs, creating);
    if (r->errors_tail != mark && cached) {
        crm_req_forget_errors(r, mark);
        return crm_contact_validate(r, in, creating, true, country, defs);
    }
    return !crm_fields_failed(r, creating ? "the contact is not valid" : "the change is not valid");
}

void
crm_contacts_create(crm_req_t *r)
{
    if (!crm_body_fields(r, crm_contact_fields))
        return;
    const char *allow = crm_req_query(r, "allow_duplicate");
    if (allow && strcmp(allow, "true") != 0 && strcmp(allow, "false") != 0) {
        crm_req_field_error(r, "query.allow_duplicate", "must be true or false");
        crm_reply_problem(r, 400, "the query is not valid");
        return;
    }
    crm_idem_t idem;
    if (!crm_idem_read(r, &idem))
        return;
    crm_contact_in_t in;
    const char *country, *defs;
    if (!crm_contact_validate(r, &in, true, false, &country, &defs))
        return;
    PGresult *res;
    for (int attempt = 0;; attempt++) {
        crm_tx_t *tx = crm_tx_new(r);
        crm_idem_purge(tx, &idem);
        int i =
            crm_tx_add(tx, &crm_stmt_contact_create, 19,
                       (const char *[]){in.type, in.first_name, in.last_name, in.email, in.phone,
                                        in.date_of_birth, in.gender, in.address, in.company,
                                        in.tags, in.owner_id, in.source, in.custom_fields,
                                        in.consent, allow && allow[0] == 't' ? "t" : "f", idem.key,
                                        idem.hash, country, defs});
        if (crm_tx_run(tx) != 0) {
            crm_contact_db_fault(r, tx);
            return;
        }
        res = crm_tx_result(tx, i);
        if (crm_idem_replayed(r, &idem, res, 3))
            return;
        crm_context_state_t state = crm_entity_context_after(r, "contact", res, 7, attempt);
        if (state == CRM_CONTEXT_GAVE_UP)
            return;
        if (state == CRM_CONTEXT_CURRENT)
            break;
        if (!crm_contact_validate(r, &in, true, false, &country, &defs))
            return;
    }
    if (PQgetisnull(res, 0, 0)) {
        r->problem_extra =
            crm_arena_sprintf(r->arena, "\"existing_ids\":%s", PQgetvalue(res, 0, 2));
        crm_reply_problem(r, 409,
                          "a contact with the same email, phone, or name and date of "
                          "birth exists; see existing_ids, or add ?allow_duplicate=true");
        return;
    }
    crm_req_add_header(r, "Location",
                       crm_arena_sprintf(r->arena, "/api/v1/contacts/%s", PQgetvalue(res, 0, 6)));
    crm_reply_record(r, 201, res);
}

static const crm_stmt_t crm_stmt_contact_get = {
    "core.contact_get",
    "SELECT " CRM_CONTACT_JSON ", c.version FROM contacts c"
    " WHERE c.tenant_id = current_tenant_id() AND c.id = $1 AND c.deleted_at IS NULL"};

/* Reading a contact of a sensitive type (or any contact, with the tenant's audit_all_reads) is
 * audited. */
static const crm_stmt_t crm_stmt_contact_audit_read = {
    "core.contact_audit_read",
    "SELECT audit_read('read', 'contacts', $1::text, $1::text::uuid, NULL)"};

void
crm_contacts_get(crm_req_t *r)
{
    crm_record_get(r, &crm_stmt_contact_get, "contact", &crm_stmt_contact_audit_read);
}

/* One list statement per sort: keyset on (sort key, id), filters as optional parameters; a
 * page showing contacts of sensitive types (subjects) is written to the audit log with its
 * filters ($10). */
#define CRM_CONTACTS_LIST(NAME, KEY, CAST, CMP, DIR)                                               \
    {                                                                                              \
        "core.contacts_list_" NAME,                                                                \
            CRM_AUDITED_PAGE("contacts", "$10", "$9",                                              \
                             "SELECT " CRM_CONTACT_JSON ", (" KEY ")::text, c.id,"                 \
                             " CASE WHEN c.type = ANY (" CRM_SENSITIVE_TYPES ") THEN c.id END"     \
                             " FROM contacts c"                                                    \
                             " WHERE c.tenant_id = current_tenant_id() AND c.merged_into IS NULL"  \
                             " AND (CASE WHEN $6::boolean THEN c.deleted_at IS NOT NULL ELSE "     \
                             "c.deleted_at IS NULL "                                               \
                             "END)"                                                                \
                             " AND ($1::text IS NULL OR c.type = $1) AND ($2::text IS NULL OR "    \
                             "c.tags @> ARRAY[$2])"                                                \
                             " AND ($3::uuid IS NULL OR c.owner_id = $3::uuid)"                    \
                             " AND ($4::timestamptz IS NULL OR c.created_at > $4::timestamptz)"    \
                             " AND ($5::text IS NULL OR lower(c.first_name) LIKE $5 OR "           \
                             "lower(c.last_name) LIKE $5"                                          \
                             "   OR lower(c.email::text) LIKE $5 OR c.phone LIKE $5 OR "           \
                             "lower(c.company) LIKE $5)"                                           \
                             " AND ($7::text IS NULL OR (" KEY ", c.id) " CMP " ($7::" CAST        \
                             ", $8::uuid))"                                                        \
                             " ORDER BY " KEY " " DIR ", c.id " DIR " LIMIT $9::int")              \
    }

static const struct {
    const char *sort;
    crm_stmt_t stmt;
} crm_contact_sorts[] = {
    {"-created_at", CRM_CONTACTS_LIST("created_desc", "c.created_at", "timestamptz", "<", "DESC")},
    {"created_at", CRM_CONTACTS_LIST("created_asc", "c.created_at", "timestamptz", ">", "ASC")},
    {"-updated_at", CRM_CONTACTS_LIST("updated_desc", "c.updated_at", "timestamptz", "<", "DESC")},
    {"updated_at", CRM_CONTACTS_LIST("updated_asc", "c.updated_at", "timestamptz", ">", "ASC")},
    {"last_name",
     CRM_CONTACTS_LIST("name_asc", "coalesce(lower(c.last_name), '')", "text", ">", "ASC")},
    {"-last_name",
     CRM_CONTACTS_LIST("name_desc", "coalesce(lower(c.last_name), '')", "text", "<", "DESC")},
};

void
crm_contacts_list(crm_req_t *r)
{
    const char *sort = crm_req_query(r, "sort");
    size_t s = 0;
    size_t nsorts = sizeof(crm_contact_sorts) / sizeof(crm_contact_sorts[0]);
    while (sort && s < nsorts && strcmp(crm_contact_sorts[s].sort, sort) != 0)
        s++;
    if (s == nsorts)
        crm_req_field_error(r, "query.sort",
                            "must be one of created_at, -created_at, updated_at, "
                            "-updated_at, last_name, -last_name");
    const char *type = crm_req_query(r, "type");
    if (type && !crm_contact_type_find(type))
        crm_req_field_error(r, "query.type", "must be %s", crm_contact_types_text());
    const char *owner = crm_req_query(r, "owner_id");
    if (owner && !crm_uuid_valid(owner))
        crm_req_field_error(r, "query.owner_id", "must be a UUID");
    const char *after = crm_req_query(r, "created_after");
    if (after &&
        (strlen(after) < 10 || !crm_valid_date(crm_arena_strndup(r->arena, after, 10), false)))
        crm_req_field_error(r, "query.created_after", "must be an RFC 3339 time or a date");
    const char *deleted = crm_req_query(r, "deleted");
    if (deleted && strcmp(deleted, "true") != 0 && strcmp(deleted, "false") != 0)
        crm_req_field_error(r, "query.deleted", "must be true or false");
    const char *q = crm_req_query(r, "q");
    if (q && (strlen(q) < 1 || strlen(q) > 100))
        crm_req_field_error(r, "query.q", "must be 1 to 100 characters");
    if (r->errors) {
        crm_reply_problem(r, 400, "the list parameters are not valid");
        return;
    }
    bool show_deleted = deleted && deleted[0] == 't';
    if (show_deleted && r->role_id != CRM_ROLE_ADMIN) {
        crm_reply_problem(r, 403, "only admins can list deleted contacts");
        return;
    }
    crm_page_t page;
    const crm_stmt_t *stmt = &crm_contact_sorts[s == nsorts ? 0 : s].stmt;
    if (!crm_page_read(r, &page, stmt->name))
        return;
    char *pattern = NULL;
    if (q) {
        pattern = crm_arena_sprintf(r->arena, "%s%%", q);
        for (char *p = pattern; *p; p++) {
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p + 32);
            else if ((*p == '%' && p[1]) || *p == '_' || *p == '\\')
                *p = ' '; /* no wildcards from the client */
        }
    }
    crm_tx_t *tx = crm_tx_new(r);
    int i = crm_tx_add(tx, stmt, 10,
                       (const char *[]){type, crm_req_query(r, "tag"), owner, after, pattern,
                                        show_deleted ? "t" : "f", page.after_key, page.after_id,
                                        page.fetch, crm_page_query_json(r)});
    if (crm_tx_run(tx) != 0) {
        if (crm_tx_sqlstate(tx) && strncmp(crm_tx_sqlstate(tx), "22", 2) == 0) {
            r->errors = NULL;
            crm_req_field_error(r, "query.created_after", "must be an RFC 3339 time");
            crm_reply_problem(r, 400, "the list parameters are not valid");
        }
        return;
    }
    crm_reply_page(r, &page, crm_tx_result(tx, i));
}

/* Columns given in the PATCH are set (null clears them); the rest keep their value. Consent
 * keys that change get a new time in consent_updated_at; custom fields merge, null removes.
 * One statement: the update happens only when the If-Match version ($17) and the remembered
 * context ($18, $19) still hold and a sticky type stays; columns 2-3 are the contact as
 * it was (version, type; null when there is none), 4-6 the context check. */
static const crm_stmt_t crm_stmt_contact_update = {
    "core.contact_update",
    "WITH " CRM_ENTITY_CONTEXT_CHECK(
        "'contact'", "$18",
        "$19") ","
               " cur AS (SELECT c.version, c.type FROM contacts c WHERE c.tenant_id = "
               "current_tenant_id()"
               "   AND c.id = $1 AND c.deleted_at IS NULL),"
               " u AS (UPDATE contacts c SET"
               " type = CASE WHEN 'type' = ANY($15::text[]) THEN $2 ELSE c.type END,"
               " first_name = CASE WHEN 'first_name' = ANY($15::text[]) THEN $3 ELSE c.first_name "
               "END,"
               " last_name = CASE WHEN 'last_name' = ANY($15::text[]) THEN $4 ELSE c.last_name END,"
               " email = CASE WHEN 'email' = ANY($15::text[]) THEN $5::citext ELSE c.email END,"
               " phone = CASE WHEN 'phone' = ANY($15::text[]) THEN $6 ELSE c.phone END,"
               " date_of_birth = CASE WHEN 'date_of_birth' = ANY($15::text[]) THEN $7::date"
               "   ELSE c.date_of_birth END,"
               " gender = CASE WHEN 'gender' = ANY($15::text[]) THEN $8 ELSE c.gender END,"
               " address = CASE WHEN 'address' = ANY($15::text[]) THEN coalesce($9::jsonb, '{}')"
               "   ELSE c.address END,"
               " company = CASE WHEN 'company' = ANY($15::text[]) THEN $10 ELSE c.company END,"
               " tags = CASE WHEN 'tags' = ANY($15::text[]) THEN ARRAY(SELECT DISTINCT"
               "   jsonb_array_elements_text(coalesce($11::jsonb, '[]')) ORDER BY 1) ELSE c.tags "
               "END,"
               " owner_id = CASE WHEN 'owner_id' = ANY($15::text[]) THEN $12::uuid ELSE c.owner_id "
               "END,"
               " source = CASE WHEN 'source' = ANY($15::text[]) THEN $13 ELSE c.source END,"
               " custom_fields = jsonb_strip_nulls(c.custom_fields || coalesce($14::jsonb, '{}')),"
               " consent = c.consent || coalesce($16::jsonb, '{}'),"
               " consent_updated_at = c.consent_updated_at || coalesce((SELECT "
               "jsonb_object_agg(e.key, now())"
               "   FROM jsonb_each($16::jsonb) e WHERE c.consent -> e.key IS DISTINCT FROM "
               "e.value), '{}'),"
               " version = c.version + 1, updated_at = now()"
               " WHERE c.tenant_id = current_tenant_id() AND c.id = $1 AND c.deleted_at IS NULL"
               "   AND c.version = $17::int AND (SELECT ok FROM ctx)"
               "   AND NOT ('type' = ANY($15::text[]) AND $2 <> c.type"
               "   AND c.type = ANY (" CRM_STICKY_TYPES "))"
               " RETURNING " CRM_CONTACT_JSON " AS j, c.version)"
               " SELECT (SELECT j FROM u), (SELECT version FROM u), (SELECT version FROM cur),"
               " (SELECT type FROM cur), " CRM_ENTITY_CONTEXT_COLUMNS " FROM ctx"};

void
crm_contacts_patch(crm_req_t *r)
{
    const char *id = crm_record_id(r, "contact"), *version;
    if (!id || !crm_body_fields(r, crm_contact_fields) || !crm_record_if_match(r, true, &version))
        return;
    crm_contact_in_t in;
    const char *country, *defs;
    if (!crm_contact_validate(r, &in, false, false, &country, &defs))
        return;
    PGresult *res;
    for (int attempt = 0;; attempt++) {
        crm_tx_t *tx = crm_tx_new(r);
        int u = crm_tx_add(tx, &crm_stmt_contact_update, 19,
                           (const char *[]){id, in.type, in.first_name, in.last_name, in.email,
                                            in.phone, in.date_of_birth, in.gender, in.address,
                                            in.company, in.tags, in.owner_id, in.source,
                                            in.custom_fields,
                                            crm_record_patch_mask(r, crm_contact_fields),
                                            in.consent, version, country, defs});
        if (crm_tx_run(tx) != 0) {
            if (!crm_contact_db_fault(r, tx) && crm_tx_sqlstate(tx) &&
                strcmp(crm_tx_sqlstate(tx), "23514") == 0) {
                r->errors = NULL;
                crm_req_field_error(r, "last_name",
                                    "a contact needs a first name, a last name or a company");
                crm_reply_problem(r, 422, "the change is not valid");
            }
            return;
        }
        res = crm_tx_result(tx, u);
        if (PQgetisnull(res, 0, 2)) {
            crm_reply_problem(r, 404, "no such contact");
            return;
        }
        if (strcmp(PQgetvalue(res, 0, 2), version) != 0) {
            crm_req_add_header(r, "ETag",
                               crm_arena_sprintf(r->arena, "\"%s\"", PQgetvalue(res, 0, 2)));
            crm_reply_problem(r, 412, "the contact changed since that version; fetch it again");
            return;
        }
        crm_context_state_t state = crm_entity_context_after(r, "contact", res, 4, attempt);
        if (state == CRM_CONTEXT_GAVE_UP)
            return;
        if (state == CRM_CONTEXT_CURRENT)
            break;
        if (!crm_contact_validate(r, &in, false, false, &country, &defs))
            return;
    }
    if (PQgetisnull(res, 0, 0)) {
        const crm_contact_type_t *was = crm_contact_type_find(PQgetvalue(res, 0, 3));
        if (in.type && was && was->sticky && strcmp(in.type, was->name) != 0) {
            crm_req_field_error(r, "type", "a %s stays a %s", was->name, was->name);
            crm_reply_problem(r, 422, "the change is not valid");
        } else { /* changed by another request since this one's snapshot */
            crm_reply_problem(r, 412, "the contact changed since that version; fetch it again");
        }
        return;
    }
    crm_reply_record(r, 200, res);
}

static const crm_stmt_t crm_stmt_contact_delete = {"core.contact_delete",
                                                   CRM_RECORD_DELETE_SQL("contacts")};

/* Soft delete: the contact disappears (404) and can be restored within the tenant's window. */
void
crm_contacts_delete(crm_req_t *r)
{
    crm_record_delete(r, &crm_stmt_contact_delete, "contact");
}

static const crm_stmt_t crm_stmt_contact_restore = {
    "core.contact_restore",
    CRM_RECORD_RESTORE_SQL("contacts", "c", CRM_CONTACT_JSON,
                           "AND c.erased_at IS NULL AND c.merged_into IS NULL")};

void
crm_contacts_restore(crm_req_t *r)
{
    crm_record_restore(r, &crm_stmt_contact_restore, "contact");
}
