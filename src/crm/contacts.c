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
#include "crm_contacts_sql.h"

/* The shared readers' rows (records.h). */
CRM_RECORD_ROW(CONTACT_CREATE);
CRM_RECORD_ROW(CONTACT_GET);
CRM_RECORD_ROW(CONTACT_UPDATE);
CRM_DELETE_ROW(CONTACT_DELETE);
CRM_RECORD_ROW(CONTACT_RESTORE);
CRM_PAGE_ROW(CONTACTS_LIST_CREATED_DESC);
CRM_PAGE_ROW(CONTACTS_LIST_CREATED_ASC);
CRM_PAGE_ROW(CONTACTS_LIST_UPDATED_DESC);
CRM_PAGE_ROW(CONTACTS_LIST_UPDATED_ASC);
CRM_PAGE_ROW(CONTACTS_LIST_NAME_ASC);
CRM_PAGE_ROW(CONTACTS_LIST_NAME_DESC);

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
            CRM_TX_ADD(tx, crm_sql_contact_create, in.type, in.first_name, in.last_name, in.email,
                       in.phone, in.date_of_birth, in.gender, in.address, in.company, in.tags,
                       in.owner_id, in.source, in.custom_fields, in.consent,
                       allow && allow[0] == 't' ? "t" : "f", idem.key, idem.hash, country, defs);
        if (crm_tx_run(tx) != 0) {
            crm_contact_db_fault(r, tx);
            return;
        }
        res = crm_tx_result(tx, i);
        if (crm_idem_replayed(r, &idem, res, CONTACT_CREATE_REQUEST_HASH))
            return;
        crm_context_state_t state =
            crm_entity_context_after(r, "contact", res, CONTACT_CREATE_OK, attempt);
        if (state == CRM_CONTEXT_GAVE_UP)
            return;
        if (state == CRM_CONTEXT_CURRENT)
            break;
        if (!crm_contact_validate(r, &in, true, false, &country, &defs))
            return;
    }
    if (PQgetisnull(res, 0, CONTACT_CREATE_J)) {
        r->problem_extra = crm_arena_sprintf(r->arena, "\"existing_ids\":%s",
                                             PQgetvalue(res, 0, CONTACT_CREATE_EXISTING_IDS));
        crm_reply_problem(r, 409,
                          "a contact with the same email, phone, or name and date of "
                          "birth exists; see existing_ids, or add ?allow_duplicate=true");
        return;
    }
    crm_req_add_header(
        r, "Location",
        crm_arena_sprintf(r->arena, "/api/v1/contacts/%s", PQgetvalue(res, 0, CONTACT_CREATE_ID)));
    crm_reply_record(r, 201, res);
}

void
crm_contacts_get(crm_req_t *r)
{
    crm_record_get(r, &crm_sql_contact_get, "contact", &crm_sql_contact_audit_read);
}

/* One list statement per sort (contacts.sql); a page showing contacts of sensitive types is
 * written to the audit log with its filters. */
static const struct {
    const char *sort;
    const crm_stmt_t *stmt;
} crm_contact_sorts[] = {
    {"-created_at", &crm_sql_contacts_list_created_desc},
    {"created_at", &crm_sql_contacts_list_created_asc},
    {"-updated_at", &crm_sql_contacts_list_updated_desc},
    {"updated_at", &crm_sql_contacts_list_updated_asc},
    {"last_name", &crm_sql_contacts_list_name_asc},
    {"-last_name", &crm_sql_contacts_list_name_desc},
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
    const crm_stmt_t *stmt = crm_contact_sorts[s == nsorts ? 0 : s].stmt;
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
    const char *values[] = {type,       crm_req_query(r, "tag"),  owner,          after,
                            pattern,    show_deleted ? "t" : "f", page.after_key, page.after_id,
                            page.fetch, crm_page_query_json(r)};
    /* every sort's statement is the fragment contacts_list: the same parameters */
    int i = crm_tx_add(
        tx, stmt, CRM_SQL_NPARAMS(crm_sql_contacts_list_created_desc, CRM_COUNT(values)), values);
    if (crm_tx_run(tx) != 0) {
        if (crm_tx_sqlstate(tx) && strncmp(crm_tx_sqlstate(tx), "22", 2) == 0) {
            crm_req_forget_errors(r, NULL);
            crm_req_field_error(r, "query.created_after", "must be an RFC 3339 time");
            crm_reply_problem(r, 400, "the list parameters are not valid");
        }
        return;
    }
    crm_reply_page(r, &page, crm_tx_result(tx, i));
}

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
        int u = CRM_TX_ADD(tx, crm_sql_contact_update, id, in.type, in.first_name, in.last_name,
                           in.email, in.phone, in.date_of_birth, in.gender, in.address, in.company,
                           in.tags, in.owner_id, in.source, in.custom_fields,
                           crm_record_patch_mask(r, crm_contact_fields), in.consent, version,
                           country, defs);
        if (crm_tx_run(tx) != 0) {
            if (!crm_contact_db_fault(r, tx) && crm_tx_sqlstate(tx) &&
                strcmp(crm_tx_sqlstate(tx), "23514") == 0) {
                crm_req_forget_errors(r, NULL);
                crm_req_field_error(r, "last_name",
                                    "a contact needs a first name, a last name or a company");
                crm_reply_problem(r, 422, "the change is not valid");
            }
            return;
        }
        res = crm_tx_result(tx, u);
        const char *current = PQgetisnull(res, 0, CONTACT_UPDATE_CURRENT_VERSION)
                                  ? NULL
                                  : PQgetvalue(res, 0, CONTACT_UPDATE_CURRENT_VERSION);
        if (!current) {
            crm_reply_problem(r, 404, "no such contact");
            return;
        }
        if (strcmp(current, version) != 0) {
            crm_req_add_header(r, "ETag", crm_arena_sprintf(r->arena, "\"%s\"", current));
            crm_reply_problem(r, 412, "the contact changed since that version; fetch it again");
            return;
        }
        crm_context_state_t state =
            crm_entity_context_after(r, "contact", res, CONTACT_UPDATE_OK, attempt);
        if (state == CRM_CONTEXT_GAVE_UP)
            return;
        if (state == CRM_CONTEXT_CURRENT)
            break;
        if (!crm_contact_validate(r, &in, false, false, &country, &defs))
            return;
    }
    if (PQgetisnull(res, 0, CONTACT_UPDATE_J)) {
        const crm_contact_type_t *was =
            crm_contact_type_find(PQgetvalue(res, 0, CONTACT_UPDATE_CURRENT_TYPE));
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

/* Soft delete: the contact disappears (404) and can be restored within the tenant's window. */
void
crm_contacts_delete(crm_req_t *r)
{
    crm_record_delete(r, &crm_sql_contact_delete, "contact");
}

void
crm_contacts_restore(crm_req_t *r)
{
    crm_record_restore(r, &crm_sql_contact_restore, "contact");
}
