/* contact_360.c - everything about one contact: its timeline, the GDPR export and erasure, and
 * merging a duplicate into it. Each gathers the core's statement and every module's hook
 * statement (module.h) into one transaction, one round trip. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/buf.h"
#include "core/db/db.h"
#include "core/db/listing.h"
#include "core/module.h"
#include "core/auth/rbac.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/contacts.h"
#include "crm/handlers.h"
#include "crm/records.h"

#define CRM_UTC(T) "to_char((" T ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

static const crm_stmt_t crm_stmt_contact_live = {
    "core.contact_live", "SELECT 1 FROM contacts WHERE tenant_id = current_tenant_id()"
                         " AND id = $1 AND deleted_at IS NULL"};

/* Reading the timeline of a contact of a sensitive type or exporting their data is audited
 * (any contact's with the tenant's audit_all_reads). */
static const crm_stmt_t crm_stmt_timeline_audit = {
    "core.timeline_audit",
    "SELECT audit_read('read', 'contacts', $1::text, $1::text::uuid, '{\"view\": \"timeline\"}')"};
static const crm_stmt_t crm_stmt_export_audit = {
    "core.export_audit", "SELECT audit_read('export', 'contacts', $1::text, $1::text::uuid, "
                         "'{\"view\": \"gdpr-export\"}')"};

/* Deals, stage changes and activities of the contact, newest first, from the cursor on. Each
 * kind takes its own newest page first (an index scan that stops, and JSON for those rows
 * only); the page is the newest of those: a busy contact's 1,000 activities cost 51. */
#define CRM_TIMELINE_AFTER(AT, ID)                                                                 \
    " AND ($2::timestamptz IS NULL OR (" AT ", " ID ") < ($2::timestamptz, $3::uuid))"             \
    " ORDER BY " AT " DESC, " ID " DESC LIMIT $4::int)"
static const crm_stmt_t crm_stmt_contact_timeline = {
    "core.contact_timeline",
    "SELECT " CRM_UTC(
        "e.at") ", e.id, e.kind, e.summary FROM ("
                " (SELECT d.created_at AS at, d.id, 'deal' AS kind, json_build_object('title', "
                "d.title,"
                "   'status', d.status, 'amount_minor', d.amount_minor, 'currency', d.currency) AS "
                "summary"
                "   FROM deals d WHERE d.tenant_id = current_tenant_id() AND d.contact_id = $1"
                "   AND $5::boolean AND d.deleted_at IS NULL" CRM_TIMELINE_AFTER(
                    "d.created_at",
                    "d.id") " UNION ALL"
                            " (SELECT h.changed_at, h.id, 'stage_change', "
                            "json_build_object('deal_id', h.deal_id,"
                            "   'deal_title', d.title, 'from_stage', f.name, 'to_stage', t.name)"
                            "   FROM deal_stage_history h JOIN deals d ON d.tenant_id = "
                            "h.tenant_id AND d.id = h.deal_id"
                            "   JOIN pipeline_stages t ON t.tenant_id = h.tenant_id AND t.id = "
                            "h.to_stage_id"
                            "   LEFT JOIN pipeline_stages f ON f.tenant_id = h.tenant_id AND f.id "
                            "= h.from_stage_id"
                            "   WHERE h.tenant_id = current_tenant_id() AND d.contact_id = $1 AND "
                            "$5::boolean AND d.deleted_at IS NULL"
                            "   AND h.from_stage_id IS NOT NULL" CRM_TIMELINE_AFTER(
                                "h.changed_at",
                                "h.id") " UNION ALL"
                                        " (SELECT a.created_at, a.id, 'activity', "
                                        "json_build_object('type', a.type, 'subject',"
                                        "   a.subject, 'due_at', a.due_at, 'completed_at', "
                                        "a.completed_at, 'deal_id', a.deal_id)"
                                        "   FROM activities a WHERE a.tenant_id = "
                                        "current_tenant_id() AND a.contact_id = $1"
                                        "   AND a.deleted_at IS NULL" CRM_TIMELINE_AFTER(
                                            "a.created_at", "a.id") ") e ORDER BY e.at DESC, e.id "
                                                                    "DESC LIMIT $4::int"};

typedef struct crm_entry {
    const char *at, *id, *kind, *summary;
} crm_entry_t;

static int
crm_entry_newest_first(const void *a, const void *b)
{
    const crm_entry_t *x = a, *y = b;
    int c = strcmp(y->at, x->at);
    return c ? c : strcmp(y->id, x->id);
}

void
crm_contacts_timeline(crm_req_t *r)
{
    const char *id = crm_record_id(r, "contact");
    if (!id)
        return;
    crm_page_t page;
    if (!crm_page_read(r, &page, crm_arena_sprintf(r->arena, "timeline:%s", id)))
        return;
    /* deals (and their stage changes) only for roles that may read deals */
    const char *deals = crm_rbac_allows(r->role_id, "deals.read") ? "true" : "false";
    const char *params[] = {id, page.after_key, page.after_id, page.fetch, deals};
    crm_tx_t *tx = crm_tx_new(r);
    int live = crm_tx_add(tx, &crm_stmt_contact_live, 1, params);
    int first = crm_tx_add(tx, &crm_stmt_contact_timeline, 5, params);
    int last = first;
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        if ((*m)->contact.timeline)
            last = crm_tx_add(tx, (*m)->contact.timeline, 4, params);
    crm_tx_add(tx, &crm_stmt_timeline_audit, 1, params);
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, live)) != 1) {
        crm_reply_problem(r, 404, "no such contact");
        return;
    }
    size_t n = 0, cap = 0;
    for (int s = first; s <= last; s++)
        cap += (size_t)PQntuples(crm_tx_result(tx, s));
    crm_entry_t *all = crm_arena_alloc(r->arena, (cap + 1) * sizeof(*all));
    for (int s = first; s <= last; s++) {
        PGresult *res = crm_tx_result(tx, s);
        for (int i = 0; i < PQntuples(res); i++)
            all[n++] = (crm_entry_t){PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                                     PQgetvalue(res, i, 2), PQgetvalue(res, i, 3)};
    }
    qsort(all, n, sizeof(*all), crm_entry_newest_first);
    size_t shown = n > (size_t)page.limit ? (size_t)page.limit : n;
    crm_buf_t b;
    crm_buf_init(&b, r->arena, 256 + shown * 256);
    crm_buf_puts(&b, "{\"data\":[");
    for (size_t i = 0; i < shown; i++) {
        crm_buf_puts(&b, i ? ",{\"kind\":" : "{\"kind\":");
        crm_buf_json_string(&b, all[i].kind);
        crm_buf_puts(&b, ",\"occurred_at\":");
        crm_buf_json_string(&b, all[i].at);
        crm_buf_puts(&b, ",\"id\":");
        crm_buf_json_string(&b, all[i].id);
        crm_buf_puts(&b, ",\"summary\":");
        crm_buf_puts(&b, all[i].summary);
        crm_buf_putc(&b, '}');
    }
    crm_buf_puts(&b, "],\"next_cursor\":");
    char *next = n > shown ? crm_page_cursor(r, &page, all[shown - 1].at, all[shown - 1].id) : NULL;
    if (next)
        crm_buf_json_string(&b, next);
    else
        crm_buf_puts(&b, "null");
    crm_buf_putc(&b, '}');
    crm_reply(r, 200, "application/json", b.data, b.len);
}

/* Everything held about the person, from the core; modules add theirs under "modules". */
static const crm_stmt_t crm_stmt_contact_export = {
    "core.contact_export",
    "SELECT json_build_object('contact', to_json(c),"
    " 'deals', coalesce((SELECT json_agg(to_json(d) ORDER BY d.created_at) FROM deals d"
    "   WHERE d.tenant_id = c.tenant_id AND d.contact_id = c.id), '[]'),"
    " 'deal_stage_history', coalesce((SELECT json_agg(to_json(h) ORDER BY h.changed_at)"
    "   FROM deal_stage_history h JOIN deals d ON d.tenant_id = h.tenant_id AND d.id = h.deal_id"
    "   WHERE h.tenant_id = c.tenant_id AND d.contact_id = c.id), '[]'),"
    " 'activities', coalesce((SELECT json_agg(to_json(a) ORDER BY a.created_at)"
    "   FROM activities a WHERE a.tenant_id = c.tenant_id AND a.contact_id = c.id), '[]'),"
    " 'merges', coalesce((SELECT json_agg(to_json(m) ORDER BY m.merged_at) FROM contact_merges m"
    "   WHERE m.tenant_id = c.tenant_id AND (m.survivor_id = c.id OR m.source_id = c.id)), '[]'),"
    " 'exported_at', now())"
    " FROM contacts c WHERE c.tenant_id = current_tenant_id() AND c.id = $1"
    " AND c.deleted_at IS NULL"};

void
crm_contacts_export(crm_req_t *r)
{
    const char *id = crm_record_id(r, "contact");
    if (!id)
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int core = crm_tx_add(tx, &crm_stmt_contact_export, 1, (const char *[]){id});
    int hooks[16], nhooks = 0;
    const char *names[16];
    for (const crm_module_t *const *m = crm_modules; *m && nhooks < 16; m++) {
        if ((*m)->contact.export_records) {
            names[nhooks] = (*m)->name;
            hooks[nhooks++] = crm_tx_add(tx, (*m)->contact.export_records, 1, (const char *[]){id});
        }
    }
    crm_tx_add(tx, &crm_stmt_export_audit, 1, (const char *[]){id});
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, core);
    if (PQntuples(res) != 1) {
        crm_reply_problem(r, 404, "no such contact");
        return;
    }
    json_t *doc = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    json_t *mods = json_object();
    for (int i = 0; i < nhooks; i++) {
        PGresult *mr = crm_tx_result(tx, hooks[i]);
        json_t *v = PQntuples(mr) ? json_loads(PQgetvalue(mr, 0, 0), JSON_DECODE_ANY, NULL) : NULL;
        json_object_set_new(mods, names[i], v ? v : json_null());
    }
    json_object_set_new(doc, "modules", mods);
    crm_req_add_header(r, "Content-Disposition",
                       crm_arena_sprintf(r->arena, "attachment; filename=\"contact-%s.json\"", id));
    crm_req_add_header(r, "Cache-Control", "no-store");
    crm_reply_json(r, 200, doc);
}

/* Personal data goes; ids, links, amounts and times stay, so deals, activities and the audit
 * trail remain consistent. The contact becomes a deleted, erased tombstone. */
static const crm_stmt_t crm_stmt_contact_erase = {
    "core.contact_erase",
    "WITH c AS (UPDATE contacts SET first_name = NULL, last_name = NULL, email = NULL,"
    "   phone = NULL, date_of_birth = NULL, gender = NULL, address = '{}', company = NULL,"
    "   tags = '{}', source = NULL, custom_fields = '{}', consent = '{}',"
    "   consent_updated_at = '{}', erased_at = now(), deleted_at = coalesce(deleted_at, now()),"
    "   version = version + 1, updated_at = now()"
    "   WHERE tenant_id = current_tenant_id() AND id = $1 AND erased_at IS NULL"
    "   RETURNING id, erased_at),"
    " a AS (UPDATE activities SET subject = '[erased]', body = NULL, custom_fields = '{}',"
    "   version = version + 1, updated_at = now()"
    "   WHERE tenant_id = current_tenant_id() AND contact_id = $1 AND EXISTS (SELECT 1 FROM c)"
    "   RETURNING 1),"
    " d AS (UPDATE deals SET title = '[erased]', custom_fields = '{}', lost_reason = NULL,"
    "   version = version + 1, updated_at = now()"
    "   WHERE tenant_id = current_tenant_id() AND contact_id = $1 AND EXISTS (SELECT 1 FROM c)"
    "   RETURNING 1)"
    " SELECT json_build_object('id', c.id, 'erased_at', c.erased_at, 'activities',"
    "   (SELECT count(*) FROM a), 'deals', (SELECT count(*) FROM d)) FROM c"};

/* The values the audit log holds of the contact go too (core migration 0021), when this
 * transaction erased it (erased_at is its start time). */
static const crm_stmt_t crm_stmt_contact_erase_history = {
    "core.contact_erase_history",
    "SELECT audit_redact_contact(c.id) FROM contacts c WHERE c.tenant_id = current_tenant_id()"
    " AND c.id = $1 AND c.erased_at = now()"};

void
crm_contacts_erase(crm_req_t *r)
{
    const char *id = crm_record_id(r, "contact");
    if (!id)
        return;
    /* modules first: one of them may refuse while the data is still there to judge */
    crm_tx_t *tx = crm_tx_new(r);
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        if ((*m)->contact.erase)
            crm_tx_add(tx, (*m)->contact.erase, 1, (const char *[]){id});
    int core = crm_tx_add(tx, &crm_stmt_contact_erase, 1, (const char *[]){id});
    crm_tx_add(tx, &crm_stmt_contact_erase_history, 1, (const char *[]){id});
    if (crm_tx_run(tx) != 0) {
        const char *state = crm_tx_sqlstate(tx);
        if (state && strcmp(state, "P0001") == 0)
            crm_reply_problem(r, 409, "a module must keep this person's records: %s",
                              crm_tx_error_message(tx));
        return;
    }
    PGresult *res = crm_tx_result(tx, core);
    if (PQntuples(res) != 1) {
        crm_reply_problem(r, 404, "no such contact (or it is already erased)");
        return;
    }
    crm_reply(r, 200, "application/json", PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

/* The source's deals and activities move to the survivor, empty fields of the survivor are
 * filled from the source (tags and consent are united), the merge is recorded, and the source
 * stays as a deleted tombstone pointing at the survivor. */
static const crm_stmt_t crm_stmt_contact_merge = {
    "core.contact_merge",
    "WITH s AS (SELECT * FROM contacts WHERE tenant_id = current_tenant_id() AND id = $2"
    "   AND deleted_at IS NULL AND id <> $1 FOR UPDATE),"
    " v AS (SELECT * FROM contacts WHERE tenant_id = current_tenant_id() AND id = $1"
    "   AND deleted_at IS NULL FOR UPDATE),"
    " ok AS (SELECT 1 FROM s, v),"
    " d AS (UPDATE deals SET contact_id = $1, updated_at = now() WHERE tenant_id ="
    "   current_tenant_id() AND contact_id = $2 AND EXISTS (SELECT 1 FROM ok) RETURNING 1),"
    " a AS (UPDATE activities SET contact_id = $1, updated_at = now() WHERE tenant_id ="
    "   current_tenant_id() AND contact_id = $2 AND EXISTS (SELECT 1 FROM ok) RETURNING 1),"
    " fill AS (UPDATE contacts c SET first_name = coalesce(c.first_name, s.first_name),"
    "   last_name = coalesce(c.last_name, s.last_name), email = coalesce(c.email, s.email),"
    "   phone = coalesce(c.phone, s.phone), date_of_birth = coalesce(c.date_of_birth,"
    "   s.date_of_birth), gender = coalesce(c.gender, s.gender), address = CASE WHEN c.address"
    "   = '{}' THEN s.address ELSE c.address END, company = coalesce(c.company, s.company),"
    "   tags = ARRAY(SELECT DISTINCT unnest(c.tags || s.tags) ORDER BY 1),"
    "   owner_id = coalesce(c.owner_id, s.owner_id), source = coalesce(c.source, s.source),"
    "   custom_fields = s.custom_fields || c.custom_fields, consent = s.consent || c.consent,"
    "   consent_updated_at = s.consent_updated_at || c.consent_updated_at,"
    "   type = CASE WHEN s.type = ANY (" CRM_STICKY_TYPES ") AND c.type <> ALL (" CRM_STICKY_TYPES
    ") THEN s.type ELSE c.type END,"
    "   version = c.version + 1, updated_at = now()"
    "   FROM s WHERE c.tenant_id = current_tenant_id() AND c.id = $1 RETURNING c.*),"
    " tomb AS (UPDATE contacts SET merged_into = $1, deleted_at = now(), version = version + 1,"
    "   updated_at = now() WHERE tenant_id = current_tenant_id() AND id = $2"
    "   AND EXISTS (SELECT 1 FROM ok) RETURNING id),"
    " rec AS (INSERT INTO contact_merges (tenant_id, survivor_id, source_id, merged_by, moved)"
    "   SELECT current_tenant_id(), $1, $2, nullif(current_setting('app.user_id', true), '')::uuid,"
    "   json_build_object('deals', (SELECT count(*) FROM d), 'activities',"
    "   (SELECT count(*) FROM a)) FROM ok RETURNING moved)"
    " SELECT (SELECT count(*) FROM v), (SELECT count(*) FROM s), (SELECT moved FROM rec),"
    "   (SELECT version FROM fill)"};

void
crm_contacts_merge(crm_req_t *r)
{
    static const char *const fields[] = {"source_id", NULL};
    const char *id = crm_record_id(r, "contact");
    if (!id || !crm_body_fields(r, fields))
        return;
    const char *source = crm_field_uuid(r, "source_id", true);
    if (source && strcmp(source, id) == 0)
        crm_req_field_error(r, "source_id", "a contact cannot be merged into itself");
    if (crm_fields_failed(r, "the merge is not valid"))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int core = crm_tx_add(tx, &crm_stmt_contact_merge, 2, (const char *[]){id, source});
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        if ((*m)->contact.merge)
            crm_tx_add(tx, (*m)->contact.merge, 2, (const char *[]){id, source});
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, core);
    if (strcmp(PQgetvalue(res, 0, 0), "1") != 0) {
        crm_reply_problem(r, 404, "no such contact");
        return;
    }
    if (strcmp(PQgetvalue(res, 0, 1), "1") != 0) {
        crm_req_field_error(r, "source_id", "is not a contact of this tenant");
        crm_reply_problem(r, 422, "the merge is not valid");
        return;
    }
    const char *body = crm_arena_sprintf(r->arena,
                                         "{\"survivor_id\":\"%s\",\"source_id\":\"%s\","
                                         "\"moved\":%s,\"version\":%s}",
                                         id, source, PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
    crm_reply(r, 200, "application/json", body, strlen(body));
}
