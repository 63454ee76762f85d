/* inbox.c - the replies contacts sent (sms_webhooks.c records them): listed unhandled first, and
 * marked handled or not by whoever answers them */
#include <string.h>

#include "core/db/db.h"
#include "core/db/listing.h"
#include "core/http/validate.h"
#include "crm/handlers.h"
#include "crm/records.h"
#include "crm_inbox_sql.h"

CRM_PAGE_ROW(INBOX_LIST);
CRM_RECORD_ROW(INBOX_UPDATE);

/* GET /api/v1/inbox?handled=true|false: unhandled first, newest first within each. */
void
crm_inbox_list(crm_req_t *r)
{
    const char *handled = crm_req_query(r, "handled");
    if (handled && strcmp(handled, "true") != 0 && strcmp(handled, "false") != 0) {
        crm_req_field_error(r, "query.handled", "must be true or false");
        crm_reply_problem(r, 400, "the list parameters are not valid");
        return;
    }
    crm_page_t page;
    if (!crm_page_read(r, &page, crm_sql_inbox_list.name))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_inbox_list, handled, page.after_key, page.after_id, page.fetch,
                       crm_page_query_json(r));
    if (crm_tx_run(tx) == 0)
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}

/* PATCH /api/v1/inbox/{id} {"handled": true|false}, If-Match optional (a flag set twice is
 * set). */
void
crm_inbox_patch(crm_req_t *r)
{
    static const char *const fields[] = {"handled", NULL};
    const char *id = crm_record_id(r, "reply"), *version;
    if (!id || !crm_body_fields(r, fields) || !crm_record_if_match(r, false, &version))
        return;
    json_t *h = json_object_get(r->json, "handled");
    if (!json_is_boolean(h))
        crm_req_field_error(r, "handled", h ? "must be true or false" : "is required");
    if (crm_fields_failed(r, "reply"))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_inbox_update, id, json_is_true(h) ? "t" : "f", version);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    if (!PQgetisnull(res, 0, INBOX_UPDATE_J))
        crm_reply_record(r, 200, res);
    else if (!PQgetisnull(res, 0, INBOX_UPDATE_CURRENT_VERSION))
        crm_reply_problem(r, 412, "the reply changed since that version; fetch it again");
    else
        crm_reply_problem(r, 404, "no such reply");
}
