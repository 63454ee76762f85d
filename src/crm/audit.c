/* audit.c - reading the audit log: the filtered list for Admins and Auditors, and a contact's
 * own change history for whoever may read the contact */
#include <string.h>

#include "core/db.h"
#include "core/listing.h"
#include "core/request.h"
#include "core/uuid.h"
#include "core/validate.h"
#include "crm/handlers.h"
#include "crm/records.h"

#define CRM_AUDIT_JSON                                                                             \
    "jsonb_build_object('id', l.id::text, 'occurred_at', l.occurred_at, 'actor_id', l.actor_id,"   \
    " 'actor', l.actor, 'action', l.action, 'entity_type', l.entity_type, 'entity_id',"            \
    " l.entity_id, 'patient_id', l.patient_id, 'changes', l.changes, 'request_id',"                \
    " l.request_id, 'client_ip', l.client_ip, 'user_agent', l.user_agent)::text"

/* Newest first; the cursor is the last id seen (both key and id). */
static const crm_stmt_t crm_stmt_audit_list = {
    "core.audit_list",
    "SELECT " CRM_AUDIT_JSON ", l.id::text, l.id::text FROM audit_log l"
    " WHERE l.tenant_id = current_tenant_id()"
    " AND ($1::text IS NULL OR l.entity_type = $1) AND ($2::text IS NULL OR l.entity_id = $2)"
    " AND ($3::uuid IS NULL OR l.actor_id = $3::uuid)"
    " AND ($4::uuid IS NULL OR l.patient_id = $4::uuid)"
    " AND ($5::text IS NULL OR l.action = $5)"
    " AND ($6::timestamptz IS NULL OR l.occurred_at >= $6::timestamptz)"
    " AND ($7::timestamptz IS NULL OR l.occurred_at < $7::timestamptz)"
    " AND ($8::bigint IS NULL OR l.id < $8::bigint)"
    " ORDER BY l.id DESC LIMIT $9::int"};

static bool
crm_audit_action_known(const char *a)
{
    static const char *const actions[] = {"create", "update", "delete", "restore", "merge",
                                          "erase",  "read",   "search", "export",  "security"};
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(a, actions[i]) == 0)
            return true;
    return false;
}

/* GET /api/v1/audit?entity_type=&entity_id=&actor_id=&patient_id=&action=&from=&to= */
void
crm_audit_list(crm_req_t *r)
{
    const char *type = crm_req_query(r, "entity_type"), *entity = crm_req_query(r, "entity_id");
    const char *actor = crm_req_query(r, "actor_id"), *patient = crm_req_query(r, "patient_id");
    const char *action = crm_req_query(r, "action"), *from = crm_req_query(r, "from");
    const char *to = crm_req_query(r, "to");
    if (type && (!*type || strlen(type) > 63))
        crm_req_field_error(r, "query.entity_type", "must be a table name");
    if (entity && (!*entity || strlen(entity) > 200))
        crm_req_field_error(r, "query.entity_id", "must be 1-200 characters");
    if (actor && !crm_uuid_valid(actor))
        crm_req_field_error(r, "query.actor_id", "must be a UUID");
    if (patient && !crm_uuid_valid(patient))
        crm_req_field_error(r, "query.patient_id", "must be a UUID");
    if (action && !crm_audit_action_known(action))
        crm_req_field_error(r, "query.action",
                            "must be one of create, update, delete, restore,"
                            " merge, erase, read, search, export, security");
    if (from && !crm_valid_time(from))
        crm_req_field_error(r, "query.from", "must be an RFC 3339 time with offset");
    if (to && !crm_valid_time(to))
        crm_req_field_error(r, "query.to", "must be an RFC 3339 time with offset");
    if (r->errors) {
        crm_reply_problem(r, 400, "the audit filters are not valid");
        return;
    }
    crm_page_t page;
    if (!crm_page_read(r, &page, "audit"))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i = crm_tx_add(tx, &crm_stmt_audit_list, 9,
                       (const char *[]){type, entity, actor, patient, action, from, to,
                                        page.after_id, page.fetch});
    if (crm_tx_run(tx) == 0)
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}

/* The contact's changes (not reads), newest first. */
static const crm_stmt_t crm_stmt_contact_history = {
    "core.contact_history",
    "SELECT " CRM_AUDIT_JSON ", l.id::text, l.id::text FROM audit_log l"
    " WHERE l.tenant_id = current_tenant_id() AND l.entity_type = 'contacts'"
    " AND l.entity_id = $1::text AND l.action NOT IN ('read', 'search', 'export')"
    " AND ($2::bigint IS NULL OR l.id < $2::bigint)"
    " ORDER BY l.id DESC LIMIT $3::int"};
static const crm_stmt_t crm_stmt_contact_exists = {
    "core.contact_exists",
    "SELECT 1 FROM contacts WHERE tenant_id = current_tenant_id() AND id = $1::text::uuid"};

/* GET /api/v1/contacts/{id}/history */
void
crm_contacts_history(crm_req_t *r)
{
    const char *id = crm_record_id(r, "contact");
    if (!id)
        return;
    crm_page_t page;
    if (!crm_page_read(r, &page, crm_arena_sprintf(r->arena, "history:%s", id)))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int e = crm_tx_add(tx, &crm_stmt_contact_exists, 1, (const char *[]){id});
    int i = crm_tx_add(tx, &crm_stmt_contact_history, 3,
                       (const char *[]){id, page.after_id, page.fetch});
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, e)) != 1)
        crm_reply_problem(r, 404, "no such contact");
    else
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}
