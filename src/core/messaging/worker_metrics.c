/* worker_metrics.c - what the delivery worker counts, for /metrics */
#include "core/messaging/worker_metrics.h"

#include <stdatomic.h>
#include <stdbool.h>

static struct {
    atomic_bool active;
    atomic_ulong outcomes[CRM_WORKER_OUTCOMES];
    atomic_ulong errors;
    atomic_long depth;
    atomic_long oldest_due_ms;
} crm_wm;

static const char *const crm_worker_outcome_names[CRM_WORKER_OUTCOMES] = {
    "sent", "retried", "failed", "cancelled", "released",
};

void
crm_worker_metrics_count(crm_worker_outcome o, unsigned long n)
{
    atomic_store(&crm_wm.active, true);
    atomic_fetch_add(&crm_wm.outcomes[o], n);
}

void
crm_worker_metrics_queue(long depth, double oldest_due_s)
{
    atomic_store(&crm_wm.active, true);
    atomic_store(&crm_wm.depth, depth);
    atomic_store(&crm_wm.oldest_due_ms, (long)(oldest_due_s * 1000.0));
}

void
crm_worker_metrics_error(void)
{
    atomic_fetch_add(&crm_wm.errors, 1);
}

void
crm_worker_metrics_write(crm_buf_t *b)
{
    if (!atomic_load(&crm_wm.active))
        return;
    crm_buf_puts(b, "# HELP crm_outbox_messages_total Outbox messages the delivery worker "
                    "handled, by outcome.\n# TYPE crm_outbox_messages_total counter\n");
    for (int o = 0; o < CRM_WORKER_OUTCOMES; o++)
        crm_buf_printf(b, "crm_outbox_messages_total{outcome=\"%s\"} %lu\n",
                       crm_worker_outcome_names[o], atomic_load(&crm_wm.outcomes[o]));
    crm_buf_printf(b,
                   "# HELP crm_outbox_queue_depth Messages due now and not yet claimed.\n"
                   "# TYPE crm_outbox_queue_depth gauge\n"
                   "crm_outbox_queue_depth %ld\n"
                   "# HELP crm_outbox_oldest_due_seconds How long the oldest due message has "
                   "waited.\n# TYPE crm_outbox_oldest_due_seconds gauge\n"
                   "crm_outbox_oldest_due_seconds %.3f\n"
                   "# HELP crm_outbox_claim_errors_total Claims that failed: the database "
                   "unreachable or refusing.\n# TYPE crm_outbox_claim_errors_total counter\n"
                   "crm_outbox_claim_errors_total %lu\n",
                   atomic_load(&crm_wm.depth), (double)atomic_load(&crm_wm.oldest_due_ms) / 1000.0,
                   atomic_load(&crm_wm.errors));
}
