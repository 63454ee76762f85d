/* activities.c - tasks, notes, calls, meetings, emails and events of a contact (and maybe one of
 * its deals): create, read, list ("my open tasks", overdue), change, delete, restore */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/buf.h"
#include "core/db/db.h"
#include "core/db/idempotency.h"
#include "core/db/listing.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/custom_fields.h"
#include "crm/handlers.h"
#include "crm/records.h"
#include "crm_activities_sql.h"

static const char *const crm_activity_types[] = {"task",  "note",  "call", "meeting",
                                                 "email", "event", NULL};
static const char *const crm_priorities[] = {"low", "normal", "high", "urgent", NULL};
static const char *const crm_activity_fields[] = {
    "type",    "subject",     "body",         "contact_id", "deal_id",       "due_at", "starts_at",
    "ends_at", "assigned_to", "completed_at", "priority",   "custom_fields", NULL};

typedef struct crm_activity_in {
    const char *type, *subject, *body, *contact_id, *deal_id, *due_at, *starts_at, *ends_at;
    const char *assigned_to, *completed_at, *priority, *custom_fields;
} crm_activity_in_t;

/* Reads the body's fields but custom_fields (which need the tenant's definitions). */
static void
crm_activity_read(crm_req_t *r, crm_activity_in_t *in, bool creating)
{
    memset(in, 0, sizeof(*in));
    in->type = crm_field_enum(r, "type", crm_activity_types, creating);
    in->subject = crm_field_string(r, "subject", creating, 200);
    in->body = crm_field_string(r, "body", false, 20000);
    in->contact_id = crm_field_uuid(r, "contact_id", creating);
    in->deal_id = crm_field_uuid(r, "deal_id", false);
    in->due_at = crm_field_time(r, "due_at", false);
    in->starts_at = crm_field_time(r, "starts_at", false);
    in->ends_at = crm_field_time(r, "ends_at", false);
    in->assigned_to = crm_field_uuid(r, "assigned_to", false);
    in->completed_at = crm_field_time(r, "completed_at", false);
    in->priority = crm_field_enum(r, "priority", crm_priorities, false);
}

static const crm_constraint_field_t crm_activity_constraints[] = {
    {"activities_tenant_id_contact_id_fkey", "contact_id", "is not a contact of this tenant"},
    {"activities_tenant_id_contact_id_deal_id_fkey", "deal_id", "is not a deal of this contact"},
    {"activities_tenant_id_assigned_to_fkey", "assigned_to", "is not a user of this tenant"},
    {"activities_check", "ends_at", "must not be before starts_at"},
};

CRM_CREATE_ROW(ACTIVITY_CREATE);
CRM_RECORD_ROW(ACTIVITY_GET);
CRM_PATCH_ROW(ACTIVITY_UPDATE);
CRM_DELETE_ROW(ACTIVITY_DELETE);
CRM_RECORD_ROW(ACTIVITY_RESTORE);
CRM_PAGE_ROW(ACTIVITIES_LIST_CREATED_DESC);
CRM_PAGE_ROW(ACTIVITIES_LIST_CREATED_ASC);
CRM_PAGE_ROW(ACTIVITIES_LIST_DUE_ASC);
CRM_PAGE_ROW(ACTIVITIES_LIST_DUE_DESC);

void
crm_activities_create(crm_req_t *r)
{
    if (!crm_body_fields(r, crm_activity_fields))
        return;
    crm_idem_t idem;
    if (!crm_idem_read(r, &idem))
        return;
    crm_activity_in_t in;
    crm_activity_read(r, &in, true);
    const char *values[] = {in.type,        in.subject,      in.body,      in.contact_id,
                            in.deal_id,     in.due_at,       in.starts_at, in.ends_at,
                            in.assigned_to, in.completed_at, in.priority,  NULL,
                            idem.key,       idem.hash,       NULL,         NULL};
    crm_record_create(r, "activity", "/api/v1/activities", &crm_sql_activity_create, values,
                      CRM_SQL_NPARAMS(crm_sql_activity_create, CRM_COUNT(values)), 11, &idem,
                      crm_activity_constraints,
                      sizeof(crm_activity_constraints) / sizeof(crm_activity_constraints[0]));
}

void
crm_activities_get(crm_req_t *r)
{
    crm_record_get(r, &crm_sql_activity_get, "activity", NULL);
}

static const struct {
    const char *sort;
    const crm_stmt_t *stmt;
} crm_activity_sorts[] = {
    {"-created_at", &crm_sql_activities_list_created_desc},
    {"created_at", &crm_sql_activities_list_created_asc},
    {"due_at", &crm_sql_activities_list_due_asc},
    {"-due_at", &crm_sql_activities_list_due_desc},
};

static const char *
crm_query_bool(crm_req_t *r, const char *name)
{
    const char *v = crm_req_query(r, name);
    if (v && strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
        crm_req_field_error(r, crm_arena_sprintf(r->arena, "query.%s", name),
                            "must be true or false");
    return v;
}

/* Filters: contact_id, deal_id, type, assigned_to (a user id, or "me"), due_before, completed,
 * overdue. "My open tasks" is ?assigned_to=me&type=task&completed=false&sort=due_at. */
void
crm_activities_list(crm_req_t *r)
{
    const char *sort = crm_req_query(r, "sort");
    size_t s = 0, n = sizeof(crm_activity_sorts) / sizeof(crm_activity_sorts[0]);
    while (sort && s < n && strcmp(crm_activity_sorts[s].sort, sort) != 0)
        s++;
    if (s == n)
        crm_req_field_error(r, "query.sort",
                            "must be one of created_at, -created_at, due_at, "
                            "-due_at");
    const char *contact = crm_req_query(r, "contact_id"), *deal = crm_req_query(r, "deal_id");
    const char *assigned = crm_req_query(r, "assigned_to"), *type = crm_req_query(r, "type");
    const char *due_before = crm_req_query(r, "due_before");
    if (contact && !crm_uuid_valid(contact))
        crm_req_field_error(r, "query.contact_id", "must be a UUID");
    if (deal && !crm_uuid_valid(deal))
        crm_req_field_error(r, "query.deal_id", "must be a UUID");
    if (assigned && strcmp(assigned, "me") == 0)
        assigned = r->user_id;
    else if (assigned && !crm_uuid_valid(assigned))
        crm_req_field_error(r, "query.assigned_to", "must be a UUID or me");
    bool type_ok = !type;
    for (const char *const *t = crm_activity_types; type && *t; t++)
        type_ok = type_ok || strcmp(*t, type) == 0;
    if (!type_ok)
        crm_req_field_error(r, "query.type", "must be task, note, call, meeting, email or event");
    if (due_before && !crm_valid_time(due_before))
        crm_req_field_error(r, "query.due_before", "must be an RFC 3339 time with offset");
    const char *completed = crm_query_bool(r, "completed");
    const char *overdue = crm_query_bool(r, "overdue");
    if (r->errors) {
        crm_reply_problem(r, 400, "the list parameters are not valid");
        return;
    }
    const crm_stmt_t *stmt = crm_activity_sorts[s == n ? 0 : s].stmt;
    crm_page_t page;
    if (!crm_page_read(r, &page, stmt->name))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    const char *values[] = {contact,
                            deal,
                            type,
                            assigned,
                            due_before,
                            completed ? (completed[0] == 't' ? "t" : "f") : NULL,
                            overdue && overdue[0] == 't' ? "t" : "f",
                            page.after_key,
                            page.after_id,
                            page.fetch};
    /* every sort's statement is the fragment activities_list: the same parameters */
    int i = crm_tx_add(
        tx, stmt, CRM_SQL_NPARAMS(crm_sql_activities_list_created_desc, CRM_COUNT(values)), values);
    if (crm_tx_run(tx) == 0)
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}

void
crm_activities_patch(crm_req_t *r)
{
    const char *id = crm_record_id(r, "activity"), *version;
    if (!id || !crm_body_fields(r, crm_activity_fields) || !crm_record_if_match(r, true, &version))
        return;
    if (crm_field_present(r, "contact_id"))
        crm_req_field_error(r, "contact_id", "an activity stays with its contact");
    for (const char *const *f = (const char *const[]){"type", "subject", "priority", NULL}; *f; f++)
        if (crm_field_is_null(r, *f))
            crm_req_field_error(r, *f, "cannot be removed");
    crm_activity_in_t in;
    crm_activity_read(r, &in, false);
    const char *values[] = {id,
                            in.type,
                            in.subject,
                            in.body,
                            in.deal_id,
                            in.due_at,
                            in.starts_at,
                            in.ends_at,
                            in.assigned_to,
                            in.completed_at,
                            in.priority,
                            NULL,
                            version,
                            crm_record_patch_mask(r, crm_activity_fields),
                            NULL,
                            NULL};
    crm_record_patch(r, "activity", &crm_sql_activity_update, &crm_sql_activity_version, values,
                     CRM_SQL_NPARAMS(crm_sql_activity_update, CRM_COUNT(values)), 11,
                     crm_activity_constraints,
                     sizeof(crm_activity_constraints) / sizeof(crm_activity_constraints[0]));
}

void
crm_activities_delete(crm_req_t *r)
{
    crm_record_delete(r, &crm_sql_activity_delete, "activity");
}

void
crm_activities_restore(crm_req_t *r)
{
    crm_record_restore(r, &crm_sql_activity_restore, "activity");
}
