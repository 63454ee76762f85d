/* worker_metrics.h - what the delivery worker counts, for /metrics */
#ifndef CRM_MESSAGING_WORKER_METRICS_H
#define CRM_MESSAGING_WORKER_METRICS_H

#include "core/util/buf.h"

typedef enum {
    CRM_WORKER_SENT,      /* accepted by the provider */
    CRM_WORKER_RETRIED,   /* failed for a passing reason; queued again */
    CRM_WORKER_FAILED,    /* failed for good (or out of attempts) */
    CRM_WORKER_CANCELLED, /* claimed, then found no longer to apply */
    CRM_WORKER_RELEASED,  /* claimed, then given back unsent (the worker stopping) */
    CRM_WORKER_OUTCOMES,
} crm_worker_outcome;

void crm_worker_metrics_count(crm_worker_outcome o, unsigned long n);
/* The queue as last seen: rows due and unclaimed, and the oldest one's wait in seconds. */
void crm_worker_metrics_queue(long depth, double oldest_due_s);
/* A claim that failed (the database unreachable or refusing). */
void crm_worker_metrics_error(void);
/* Appends the worker's metrics in Prometheus' text format; nothing when no worker ran in
 * this process. */
void crm_worker_metrics_write(crm_buf_t *b);

#endif
