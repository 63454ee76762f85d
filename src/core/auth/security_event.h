/* security_event.h - security events: the server log, and the tenant's audit log */
#ifndef CRM_CORE_SECURITY_EVENT_H
#define CRM_CORE_SECURITY_EVENT_H

#include <jansson.h>

#include "core/db/db.h"
#include "core/http/request.h"

/* Records a security event named event (login_failed, token_revoked, permission_denied, ...)
 * with detail (a JSON object, stolen): a server log line always, and a row in the audit log
 * of r->tenant_id when it is set, which callers do only for a tenant they can trust (a
 * verified token, a login's resolved tenant). The row is written in a transaction of its own
 * whose failure is logged, never answered: the caller's reply stands. At most
 * CRM_SECURITY_EVENTS_PER_MINUTE rows per (tenant, client address) and minute are written;
 * beyond that the event is logged and counted (crm_security_events_suppressed) only. */
void crm_security_event(crm_req_t *r, const char *event, json_t *detail);
/* The same, written by a transaction the caller is about to run (no extra round trip); the
 * transaction's tenant is the row's. */
void crm_security_event_add(crm_tx_t *tx, crm_req_t *r, const char *event, json_t *detail);
/* Events left out of audit logs by the bound since start-up (/metrics). */
unsigned long long crm_security_events_suppressed(void);

#endif
