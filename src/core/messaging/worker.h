/* worker.h - the delivery worker: claims due outbox rows, words them, sends them by email or
 * SMS and records what the provider answered */
#ifndef CRM_MESSAGING_WORKER_H
#define CRM_MESSAGING_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>

#include "core/util/config.h"

/* A worker: one database connection, one email and one SMS transport, used by one thread. */
typedef struct crm_worker crm_worker;

/* A worker for the configuration (CRM_DATABASE_URL, CRM_WORKER_*, the channels' settings);
 * NULL with a sentence naming the setting at fault in err. It connects at its first round. */
crm_worker *crm_worker_new(const crm_config_t *c, char *err, size_t errlen);
void crm_worker_free(crm_worker *w);

/* One round, in three steps: claims up to CRM_WORKER_BATCH due rows in one transaction that
 * also words each under its tenant's identity (the module's context statement, the tenant's
 * template) and cancels those that no longer apply; sends the others one by one; records each
 * answer at once. Rows still unsent when *stop turns true are given back to the queue. Returns
 * the number of rows claimed (0: nothing was due), -1 when the database failed (the claim was
 * rolled back, the connection is dropped and made again next round). */
int crm_worker_round(crm_worker *w, const atomic_bool *stop);

/* Runs rounds until *stop, sleeping CRM_WORKER_POLL_MS after a round that found nothing (and
 * backing off up to 30 s while the database fails), and refreshing the queue gauges. */
void crm_worker_run(crm_worker *w, const atomic_bool *stop);

/* A worker on a thread of its own, for `crm dev`: 0, or -1 with a sentence in err. Signals
 * must be blocked in the calling thread (the thread inherits its mask). */
int crm_worker_thread_start(const crm_config_t *c, char *err, size_t errlen);
/* Stops that thread (its in-flight send finishes) and waits for it. */
void crm_worker_thread_stop(void);

#endif
