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

/* An entry as JSON; MASKS is the jsonb {"table.column": label} of the values the caller may
 * not read (crm_audit_masks), NULL for none. The subject is published under its first name
 * too, patient_id, which clients of the API read. */
#define CRM_AUDIT_JSONB(MASKS)                                                                     \
    "jsonb_build_object('id', l.id::text, 'occurred_at', l.occurred_at, 'actor_id', l.actor_id,"   \
    " 'actor', l.actor, 'action', l.action, 'entity_type', l.entity_type, 'entity_id',"            \
    " l.entity_id, 'subject_id', l.subject_id, 'patient_id', l.subject_id, 'changes',"             \
    " audit_mask(l.entity_type, l.changes, " MASKS "::jsonb), 'request_id',"                       \
    " l.request_id, 'client_ip', l.client_ip, 'user_agent', l.user_agent)"
#define CRM_AUDIT_JSON(MASKED) CRM_AUDIT_JSONB(MASKED) "::text"

/* The filters of the list and the export. */
typedef struct crm_audit_filters {
    const char *type, *entity, *actor, *subject, *action, *from, *to;
} crm_audit_filters_t;

#define CRM_AUDIT_WHERE(P)                                                                         \
    " WHERE l.tenant_id = current_tenant_id()"                                                     \
    " AND (" P "1::text IS NULL OR l.entity_type = " P "1)"                                        \
    " AND (" P "2::text IS NULL OR l.entity_id = " P "2)"                                          \
    " AND (" P "3::uuid IS NULL OR l.actor_id = " P "3::uuid)"                                     \
    " AND (" P "4::uuid IS NULL OR l.subject_id = " P "4::uuid OR l.changes @> ANY (ARRAY("        \
    "   SELECT jsonb_build_object(t.plural, jsonb_build_array(" P "4::text))"                      \
    "   FROM contact_types t WHERE t.sensitive)))"                                                 \
    " AND (" P "5::text IS NULL OR l.action = " P "5)"                                             \
    " AND (" P "6::timestamptz IS NULL OR l.occurred_at >= " P "6::timestamptz)"                   \
    " AND (" P "7::timestamptz IS NULL OR l.occurred_at < " P "7::timestamptz)"

/* Newest first; the cursor is the last id seen (both key and id). */
static const crm_stmt_t crm_stmt_audit_list = {
    "core.audit_list",
    "SELECT " CRM_AUDIT_JSON("$10") ", l.id::text, l.id::text FROM audit_log l"
                                    " " CRM_AUDIT_WHERE(
                                        "$") " AND ($8::bigint IS NULL OR l.id < $8::bigint)"
                                             " ORDER BY l.id DESC LIMIT $9::int"};

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
    int i = crm_tx_add(tx, &crm_stmt_audit_list, 10,
                       (const char *[]){f.type, f.entity, f.actor, f.subject, f.action, f.from,
                                        f.to, page.after_id, page.fetch, crm_audit_masks(r)});
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
    const char *v[] = {f.type, f.entity, f.actor, f.subject, f.action, f.from, f.to};
    static const char *const fields[] = {"query.entity_type", "query.entity_id", "query.actor_id",
                                         "query.subject_id",  "query.action",    "query.from",
                                         "query.to"};
    crm_buf_t sql;
    crm_buf_init(&sql, r->arena, 2048);
    /* COPY takes no parameters: the filters go in as literals, $n -> literal n */
    const char *where = CRM_AUDIT_WHERE("$");
    for (const char *p = where; *p; p++) {
        if (*p == '$' && p[1] >= '1' && p[1] <= '7') {
            crm_buf_puts(&sql, crm_export_literal(r, pg, fields[p[1] - '1'], v[p[1] - '1']));
            p++;
        } else {
            crm_buf_putc(&sql, *p);
        }
    }
    char *copy = crm_arena_sprintf(
        r->arena,
        "COPY (SELECT (%s || jsonb_build_object('lane', l.lane, 'prev_hash',"
        " encode(l.prev_hash, 'hex'), 'hash', encode(l.hash, 'hex')))::text FROM audit_log l %s"
        " ORDER BY l.id)"
        " TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')",
        crm_arena_sprintf(r->arena, CRM_AUDIT_JSONB("%s"),
                          crm_export_literal(r, pg, "masks", crm_audit_masks(r))),
        sql.data);
    crm_export_audit_t audit = {"audit_log", "jsonl", 0};
    crm_export_stream(r, pg, copy, "application/jsonl", "audit.jsonl", &audit);
}

/* The contact's changes (not reads), newest first. */
static const crm_stmt_t crm_stmt_contact_history = {
    "core.contact_history",
    "SELECT " CRM_AUDIT_JSON(
        "NULL") ", l.id::text, l.id::text FROM audit_log l"
                " WHERE l.tenant_id = current_tenant_id() AND l.entity_type = 'contacts'"
                " AND l.entity_id = $1::text AND l.action NOT IN ('read', 'search', 'export')"
                " AND ($2::bigint IS NULL OR l.id < $2::bigint)"
                " ORDER BY l.id DESC LIMIT $3::int"};
/* An erased contact has no history to show: 404, as for an unknown id. */
static const crm_stmt_t crm_stmt_contact_exists = {
    "core.contact_exists", "SELECT 1 FROM contacts WHERE tenant_id = current_tenant_id()"
                           " AND id = $1::text::uuid AND erased_at IS NULL"};
/* Reading a contact's history is reading their record: audited like a contact GET. */
static const crm_stmt_t crm_stmt_history_audit = {
    "core.history_audit", "SELECT audit_read('read', 'contacts', $1::text, $1::text::uuid,"
                          " '{\"view\": \"history\"}') FROM contacts"
                          " WHERE tenant_id = current_tenant_id() AND id = $1::text::uuid"
                          " AND erased_at IS NULL"};

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
    crm_tx_add(tx, &crm_stmt_history_audit, 1, (const char *[]){id});
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, e)) != 1)
        crm_reply_problem(r, 404, "no such contact");
    else
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}
