/* replies.c - what a patient's reply to a reminder (C to confirm, X to cancel) does to its
 * appointment: the clinic's part in the core's replies (module.h, reply) */
#include "core/db/db.h"
#include "core/module.h"
#include "modules/clinic/clinic.h"
#include "modules/clinic/transitions.h"
#include "clinic_replies_sql.h"

int
clinic_message_reply(crm_tx_t *tx, const char *outbox_id, const char *action,
                     const char *notice_hours)
{
    /* a cancellation by reply follows the status life cycle as one by the API does */
    return CRM_TX_ADD(tx, clinic_sql_reply, outbox_id, action, notice_hours,
                      clinic_transitions_to("cancelled"));
}
