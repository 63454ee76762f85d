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
#include "crm/handlers.h"
#include "crm/records.h"
#include "crm_contact_360_sql.h"
#include "crm_inbox_sql.h"

/* the replies a contact sent come in the timeline's rows too */
CRM_SQL_COLUMN_AT(INBOX_TIMELINE_AT, CONTACT_TIMELINE_AT);
CRM_SQL_COLUMN_AT(INBOX_TIMELINE_SUMMARY, CONTACT_TIMELINE_SUMMARY);

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
    /* what messages said only for roles that may read messages */
    const char *texts = crm_rbac_allows(r->role_id, "messages.read") ? "true" : "false";
    const char *params[] = {id, page.after_key, page.after_id, page.fetch, deals, texts};
    crm_tx_t *tx = crm_tx_new(r);
    int live = CRM_TX_ADD(tx, crm_sql_contact_live, id);
    int first = crm_tx_add(tx, &crm_sql_contact_timeline,
                           CRM_SQL_NPARAMS(crm_sql_contact_timeline, CRM_COUNT(params)), params);
    const char *replies = crm_rbac_allows(r->role_id, "inbox.read") ? "true" : "false";
    int last = CRM_TX_ADD(tx, crm_sql_inbox_timeline, id, page.after_key, page.after_id, page.fetch,
                          replies);
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        if ((*m)->contact.timeline)
            last = crm_tx_add(tx, (*m)->contact.timeline, 4, params);
    CRM_TX_ADD(tx, crm_sql_timeline_audit, id);
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
            /* the modules' hooks give the rows the core's statement does (module.h) */
            all[n++] = (crm_entry_t){PQgetvalue(res, i, CONTACT_TIMELINE_AT),
                                     PQgetvalue(res, i, CONTACT_TIMELINE_ID),
                                     PQgetvalue(res, i, CONTACT_TIMELINE_KIND),
                                     PQgetvalue(res, i, CONTACT_TIMELINE_SUMMARY)};
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
    crm_reply_page_end(
        r, &b, n > shown ? crm_page_cursor(r, &page, all[shown - 1].at, all[shown - 1].id) : NULL);
}

void
crm_contacts_export(crm_req_t *r)
{
    const char *id = crm_record_id(r, "contact");
    if (!id)
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int core = CRM_TX_ADD(tx, crm_sql_contact_export, id);
    int hooks[16], nhooks = 0;
    const char *names[16];
    for (const crm_module_t *const *m = crm_modules; *m && nhooks < 16; m++) {
        if ((*m)->contact.export_records) {
            names[nhooks] = (*m)->name;
            hooks[nhooks++] = crm_tx_add(tx, (*m)->contact.export_records, 1, (const char *[]){id});
        }
    }
    int replies = CRM_TX_ADD(tx, crm_sql_inbox_export, id);
    CRM_TX_ADD(tx, crm_sql_export_audit, id);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, core);
    if (PQntuples(res) != 1) {
        crm_reply_problem(r, 404, "no such contact");
        return;
    }
    json_t *doc = json_loads(PQgetvalue(res, 0, CONTACT_EXPORT_DOC), 0, NULL);
    json_t *mods = json_object();
    for (int i = 0; i < nhooks; i++) {
        PGresult *mr = crm_tx_result(tx, hooks[i]);
        json_t *v = PQntuples(mr) ? json_loads(PQgetvalue(mr, 0, 0), JSON_DECODE_ANY, NULL) : NULL;
        json_object_set_new(mods, names[i], v ? v : json_null());
    }
    json_object_set_new(doc, "inbound_messages",
                        json_loads(PQgetvalue(crm_tx_result(tx, replies), 0, INBOX_EXPORT_REPLIES),
                                   JSON_DECODE_ANY, NULL));
    json_object_set_new(doc, "modules", mods);
    crm_req_add_header(r, "Content-Disposition",
                       crm_arena_sprintf(r->arena, "attachment; filename=\"contact-%s.json\"", id));
    crm_req_add_header(r, "Cache-Control", "no-store");
    crm_reply_json(r, 200, doc);
}

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
    int core = CRM_TX_ADD(tx, crm_sql_contact_erase, id);
    CRM_TX_ADD(tx, crm_sql_contact_erase_history, id);
    CRM_TX_ADD(tx, crm_sql_inbox_erase, id);
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
    crm_reply(r, 200, "application/json", PQgetvalue(res, 0, CONTACT_ERASE_ERASED),
              (size_t)PQgetlength(res, 0, CONTACT_ERASE_ERASED));
}

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
    int core = CRM_TX_ADD(tx, crm_sql_contact_merge, id, source);
    CRM_TX_ADD(tx, crm_sql_contact_merge_move, id, source);
    CRM_TX_ADD(tx, crm_sql_inbox_merge, id, source);
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        if ((*m)->contact.merge)
            crm_tx_add(tx, (*m)->contact.merge, 2, (const char *[]){id, source});
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, core);
    if (strcmp(PQgetvalue(res, 0, CONTACT_MERGE_SURVIVOR_FOUND), "1") != 0) {
        crm_reply_problem(r, 404, "no such contact");
        return;
    }
    if (strcmp(PQgetvalue(res, 0, CONTACT_MERGE_SOURCE_FOUND), "1") != 0) {
        crm_req_field_error(r, "source_id", "is not a contact of this tenant");
        crm_reply_problem(r, 422, "the merge is not valid");
        return;
    }
    const char *body = crm_arena_sprintf(r->arena,
                                         "{\"survivor_id\":\"%s\",\"source_id\":\"%s\","
                                         "\"moved\":%s,\"version\":%s}",
                                         id, source, PQgetvalue(res, 0, CONTACT_MERGE_MOVED),
                                         PQgetvalue(res, 0, CONTACT_MERGE_VERSION));
    crm_reply(r, 200, "application/json", body, strlen(body));
}
