/* audit.c - reading the audit log: the filtered list and the JSON Lines export for Admins and
 * Auditors, and a contact's own change history for whoever may read the contact */
#include <string.h>

#include "core/util/buf.h"
#include "core/db/db.h"
#include "core/db/db_export.h"
#include "core/db/listing.h"
#include "core/module.h"
#include "core/auth/rbac.h"
#include "core/http/request.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/handlers.h"
#include "crm/records.h"
#include "crm_audit_sql.h"

CRM_PAGE_ROW(AUDIT_LIST);
CRM_PAGE_ROW(CONTACT_HISTORY);

/* The filters of the list and the export. */
typedef struct crm_audit_filters {
    const char *type, *entity, *actor, *subject, *action, *from, *to;
} crm_audit_filters_t;

/* The sensitive columns (crm_module_t.sensitive) the caller's role may not read, as the
 * jsonb {"table.column": label}, or NULL when it may read them all. */
static const char *
crm_audit_masks(crm_req_t *r)
{
    crm_buf_t b;
    crm_buf_init(&b, r->arena, 64);
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        for (const crm_sensitive_column_t *c = (*m)->sensitive; c && c->table; c++)
            if (!crm_rbac_allows(r->role_id, c->permission))
                crm_buf_printf(&b, "%s\"%s.%s\":%s", b.len ? "," : "{", c->table, c->column,
                               c->label);
    if (!b.len)
        return NULL;
    crm_buf_putc(&b, '}');
    return b.data;
}

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

/* Reads and checks the filters; false after replying 400. */
static bool
crm_audit_filters_read(crm_req_t *r, crm_audit_filters_t *f)
{
    *f = (crm_audit_filters_t){crm_req_query(r, "entity_type"), crm_req_query(r, "entity_id"),
                               crm_req_query(r, "actor_id"),    crm_req_query(r, "subject_id"),
                               crm_req_query(r, "action"),      crm_req_query(r, "from"),
                               crm_req_query(r, "to")};
    const char *alias = crm_req_query(r, "patient_id"); /* subject_id's first name */
    if (f->type && (!*f->type || strlen(f->type) > 63))
        crm_req_field_error(r, "query.entity_type", "must be a table name");
    if (f->entity && (!*f->entity || strlen(f->entity) > 200))
        crm_req_field_error(r, "query.entity_id", "must be 1-200 characters");
    if (f->actor && !crm_uuid_valid(f->actor))
        crm_req_field_error(r, "query.actor_id", "must be a UUID");
    if (f->subject && !crm_uuid_valid(f->subject))
        crm_req_field_error(r, "query.subject_id", "must be a UUID");
    if (alias && !crm_uuid_valid(alias))
        crm_req_field_error(r, "query.patient_id", "must be a UUID");
    else if (alias && f->subject && strcmp(alias, f->subject) != 0)
        crm_req_field_error(r, "query.patient_id",
                            "is another name of subject_id: give one of them, or the same value");
    else if (alias)
        f->subject = alias;
    if (f->action && !crm_audit_action_known(f->action))
        crm_req_field_error(r, "query.action",
                            "must be one of create, update, delete, restore,"
                            " merge, erase, read, search, export, security");
    if (f->from && !crm_valid_time(f->from))
        crm_req_field_error(r, "query.from", "must be an RFC 3339 time with offset");
    if (f->to && !crm_valid_time(f->to))
        crm_req_field_error(r, "query.to", "must be an RFC 3339 time with offset");
    if (!r->errors)
        return true;
    crm_reply_problem(r, 400, "the audit filters are not valid");
    return false;
}

/* GET /api/v1/audit?entity_type=&entity_id=&actor_id=&subject_id=&action=&from=&to= (and
 * patient_id=, subject_id's first name) */
void
crm_audit_list(crm_req_t *r)
{
    crm_audit_filters_t f;
    crm_page_t page;
    if (!crm_audit_filters_read(r, &f) || !crm_page_read(r, &page, "audit"))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_audit_list, f.type, f.entity, f.actor, f.subject, f.action,
                       f.from, f.to, page.after_id, page.fetch, crm_audit_masks(r));
    if (crm_tx_run(tx) == 0)
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}

/* GET /api/v1/audit/export: the rows the list's filters select, oldest first, one JSON object
 * per line with the row's chain (lane) and its prev_hash and hash (hex), streamed; itself
 * audited. */
void
crm_audit_export(crm_req_t *r)
{
    crm_audit_filters_t f;
    if (!crm_audit_filters_read(r, &f))
        return;
    PGconn *pg = crm_export_open(r);
    if (!pg)
        return;
    const crm_export_param_t params[] = {{"query.entity_type", f.type},
                                         {"query.entity_id", f.entity},
                                         {"query.actor_id", f.actor},
                                         {"query.subject_id", f.subject},
                                         {"query.action", f.action},
                                         {"query.from", f.from},
                                         {"query.to", f.to},
                                         {"masks", crm_audit_masks(r)}};
    const char *copy = CRM_EXPORT_SQL(r, pg, crm_sql_audit_export, params);
    crm_export_audit_t audit = {"audit_log", "jsonl", 0};
    crm_export_stream(r, pg, copy, "application/jsonl", "audit.jsonl", &audit);
}

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
    int e = CRM_TX_ADD(tx, crm_sql_contact_exists, id);
    int i = CRM_TX_ADD(tx, crm_sql_contact_history, id, page.after_id, page.fetch);
    CRM_TX_ADD(tx, crm_sql_history_audit, id);
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, e)) != 1)
        crm_reply_problem(r, 404, "no such contact");
    else
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}
