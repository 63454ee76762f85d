/* idempotency.h - Idempotency-Key on creates: the same key and body get the original answer */
#ifndef CRM_CORE_IDEMPOTENCY_H
#define CRM_CORE_IDEMPOTENCY_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "core/http/request.h"

typedef struct crm_idem {
    const char *key; /* NULL without the header */
    char hash[65];   /* SHA-256 of the request body, hex */
} crm_idem_t;

/* A create statement honours the key with the fragments of idempotency.sql: a CTE "prior"
 * with an earlier answer under (user, route, key) from the last 24 hours (:idem_prior), a CTE
 * "stored" keeping this answer (:idem_store) and the earlier answer's columns
 * (:idem_columns). Queue crm_idem_purge before it. */

/* Reads Idempotency-Key (1-255 printable characters) and hashes the body; false after
 * answering 400 for a malformed key. */
bool crm_idem_read(crm_req_t *r, crm_idem_t *idem);
/* When the statement found an earlier answer (columns col, col + 1, col + 2 of row 0 are
 * :idem_columns): replies it again (same body), or 422 when the body differs;
 * true then. */
bool crm_idem_replayed(crm_req_t *r, const crm_idem_t *idem, PGresult *res, int col);
/* With a key: queues, before the create, the removal of keys past their 24 hours: this
 * user's under the same key (so that it can be used again), and up to 100 of the tenant's. */
struct crm_tx;
void crm_idem_purge(struct crm_tx *tx, const crm_idem_t *idem);
/* After a failed create: the key was taken by a concurrent request (answers 409; true). */
bool crm_idem_conflict(crm_req_t *r, const char *constraint);

#endif
