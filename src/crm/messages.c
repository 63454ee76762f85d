/* messages.c - the messages sent (or to be sent) to contacts: the outbox's SMS and email, newest
 * first, with what they said for roles that may read messages */
#include <string.h>

#include "core/db/db.h"
#include "core/db/listing.h"
#include "core/auth/rbac.h"
#include "core/util/uuid.h"
#include "crm/handlers.h"
#include "crm/records.h"
#include "crm_messages_sql.h"

CRM_PAGE_ROW(MESSAGES_LIST);

/* The outbox's states (core migration 0006). */
static const char *const crm_message_states[] = {"queued", "sending",   "sent",
                                                 "failed", "cancelled", NULL};

/* Filters: contact_id (another tenant's contact shows nothing, as an unknown one) and status. */
void
crm_messages_list(crm_req_t *r)
{
    const char *contact = crm_req_query(r, "contact_id"), *status = crm_req_query(r, "status");
    if (contact && !crm_uuid_valid(contact))
        crm_req_field_error(r, "query.contact_id", "must be a UUID");
    bool known = !status;
    for (const char *const *s = crm_message_states; status && *s; s++)
        known = known || strcmp(*s, status) == 0;
    if (!known)
        crm_req_field_error(r, "query.status",
                            "must be one of queued, sending, sent, failed, cancelled");
    if (r->errors) {
        crm_reply_problem(r, 400, "the list parameters are not valid");
        return;
    }
    crm_page_t page;
    if (!crm_page_read(r, &page, crm_sql_messages_list.name))
        return;
    const char *texts = crm_rbac_allows(r->role_id, "messages.read") ? "t" : "f";
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_messages_list, contact, status, page.after_key, page.after_id,
                       texts, page.fetch, crm_page_query_json(r));
    if (crm_tx_run(tx) == 0)
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}
