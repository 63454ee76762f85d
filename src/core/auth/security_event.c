/* security_event.c - security events: one line in the server log, and a row in the tenant's
 * audit log through audit_security(), which writes into the transaction's tenant only. Rows
 * are bounded per (tenant, client address) and minute, since anyone can cause most events
 * (a wrong password, a replayed token): the events beyond the bound reach the server log and
 * the metrics only, so that nobody can fill a tenant's permanent log. */
#include "core/auth/security_event.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "core/db/db.h"
#include "core/util/log.h"
#include "core/auth/throttle.h"
#include "auth_security_event_sql.h"

static atomic_ullong crm_security_suppressed;

/* The detail as text (in the arena) after logging the event; NULL when it cannot be made. */
static const char *
crm_security_log(crm_req_t *r, const char *event, json_t *detail)
{
    char *text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(detail);
    if (!text)
        return NULL;
    crm_info("security: %s %s from %s on %s %s", event, text, r->client_ip, r->method, r->path);
    char *copy = crm_arena_strdup(r->arena, text);
    free(text);
    return copy;
}

void
crm_security_event_add(crm_tx_t *tx, crm_req_t *r, const char *event, json_t *detail)
{
    const char *text = crm_security_log(r, event, detail);
    if (text)
        CRM_TX_ADD(tx, crm_sql_security_event, event, text);
}

void
crm_security_event(crm_req_t *r, const char *event, json_t *detail)
{
    const char *text = crm_security_log(r, event, detail);
    if (!text || !r->tenant_id)
        return;
    long over = 0;
    if (!crm_throttle_security_row(r->tenant_id, r->client_ip, &over)) {
        atomic_fetch_add_explicit(&crm_security_suppressed, 1, memory_order_relaxed);
        if ((over & (over - 1)) == 0) /* the 1st, 2nd, 4th, 8th, ... of a minute */
            crm_warn("security: %s not written to the audit log of tenant %s: over the bound of "
                     "rows from %s this minute (%ld beyond it so far)",
                     event, r->tenant_id, r->client_ip, over);
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_quiet(tx);
    CRM_TX_ADD(tx, crm_sql_security_event, event, text);
    if (crm_tx_run(tx) != 0)
        crm_warn("security event %s not written to the audit log", event);
}

unsigned long long
crm_security_events_suppressed(void)
{
    return atomic_load_explicit(&crm_security_suppressed, memory_order_relaxed);
}
