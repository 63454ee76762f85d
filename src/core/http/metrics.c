/* metrics.c - request counters, latency histograms and gauges, rendered in Prometheus text format
 */
#include "core/messaging/worker_metrics.h"
#include "core/http/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "core/util/arena.h"
#include "core/db/db.h"
#include "core/auth/security_event.h"

static const int crm_statuses[] = {200, 201, 204, 301, 302, 304, 400, 401, 403,
                                   404, 405, 406, 408, 409, 410, 412, 413, 414,
                                   415, 422, 428, 429, 431, 500, 501, 503, 504};
#define NSTATUS (sizeof(crm_statuses) / sizeof(crm_statuses[0]) + 1) /* last: any other */

static const uint64_t crm_buckets_us[] = {500,     1000,    2500,    5000,    10000,
                                          25000,   50000,   100000,  250000,  500000,
                                          1000000, 2500000, 5000000, 10000000};
#define NBUCKETS (sizeof(crm_buckets_us) / sizeof(crm_buckets_us[0]) + 1) /* last: +Inf */

static struct {
    const crm_router_t *rt;
    size_t nrows;             /* routes + 1 for unmatched requests */
    atomic_ullong *requests;  /* [row][status] */
    atomic_ullong *durations; /* [row][bucket], not cumulative */
    atomic_ullong *sum_us;    /* [row] */
    atomic_long in_flight;
} crm_m;

void
crm_metrics_init(const crm_router_t *rt)
{
    crm_m.rt = rt;
    crm_m.nrows = crm_router_count(rt) + 1;
    crm_m.requests = crm_xcalloc(crm_m.nrows * NSTATUS, sizeof(atomic_ullong));
    crm_m.durations = crm_xcalloc(crm_m.nrows * NBUCKETS, sizeof(atomic_ullong));
    crm_m.sum_us = crm_xcalloc(crm_m.nrows, sizeof(atomic_ullong));
}

void
crm_metrics_free(void)
{
    free(crm_m.requests);
    free(crm_m.durations);
    free(crm_m.sum_us);
    crm_m.requests = crm_m.durations = crm_m.sum_us = NULL;
}

void
crm_metrics_request_started(void)
{
    atomic_fetch_add(&crm_m.in_flight, 1);
}

void
crm_metrics_request_finished(size_t route_index, int status, uint64_t duration_us)
{
    atomic_fetch_sub(&crm_m.in_flight, 1);
    if (!crm_m.requests)
        return;
    size_t row = route_index == CRM_METRICS_UNMATCHED || route_index >= crm_m.nrows - 1
                     ? crm_m.nrows - 1
                     : route_index;
    size_t s = 0;
    while (s < NSTATUS - 1 && crm_statuses[s] != status)
        s++;
    size_t b = 0;
    while (b < NBUCKETS - 1 && duration_us > crm_buckets_us[b])
        b++;
    atomic_fetch_add_explicit(&crm_m.requests[row * NSTATUS + s], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&crm_m.durations[row * NBUCKETS + b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&crm_m.sum_us[row], duration_us, memory_order_relaxed);
}

static void
crm_metrics_labels(crm_buf_t *b, size_t row)
{
    const crm_route_t *r = crm_router_route(crm_m.rt, row);
    crm_buf_printf(b, "method=\"%s\",route=\"%s\"", r ? r->method : "", r ? r->path : "unmatched");
}

void
crm_metrics_render(crm_buf_t *b)
{
    crm_buf_puts(b, "# HELP crm_http_requests_total HTTP requests answered, by route template "
                    "and status.\n# TYPE crm_http_requests_total counter\n");
    for (size_t row = 0; row < crm_m.nrows; row++) {
        for (size_t s = 0; s < NSTATUS; s++) {
            unsigned long long n = atomic_load(&crm_m.requests[row * NSTATUS + s]);
            if (!n)
                continue;
            crm_buf_puts(b, "crm_http_requests_total{");
            crm_metrics_labels(b, row);
            if (s < NSTATUS - 1)
                crm_buf_printf(b, ",status=\"%d\"} %llu\n", crm_statuses[s], n);
            else
                crm_buf_printf(b, ",status=\"other\"} %llu\n", n);
        }
    }
    crm_buf_puts(b, "# HELP crm_http_request_duration_seconds Time from the first byte of a "
                    "request to its response being queued.\n"
                    "# TYPE crm_http_request_duration_seconds histogram\n");
    for (size_t row = 0; row < crm_m.nrows; row++) {
        unsigned long long counts[NBUCKETS], total = 0;
        for (size_t k = 0; k < NBUCKETS; k++)
            total += counts[k] = atomic_load(&crm_m.durations[row * NBUCKETS + k]);
        if (!total)
            continue;
        unsigned long long cumulative = 0;
        for (size_t k = 0; k < NBUCKETS; k++) {
            cumulative += counts[k];
            crm_buf_puts(b, "crm_http_request_duration_seconds_bucket{");
            crm_metrics_labels(b, row);
            if (k < NBUCKETS - 1)
                crm_buf_printf(b, ",le=\"%g\"} %llu\n", (double)crm_buckets_us[k] / 1e6,
                               cumulative);
            else
                crm_buf_printf(b, ",le=\"+Inf\"} %llu\n", cumulative);
        }
        crm_buf_puts(b, "crm_http_request_duration_seconds_sum{");
        crm_metrics_labels(b, row);
        crm_buf_printf(b, "} %.6f\n", (double)atomic_load(&crm_m.sum_us[row]) / 1e6);
        crm_buf_puts(b, "crm_http_request_duration_seconds_count{");
        crm_metrics_labels(b, row);
        crm_buf_printf(b, "} %llu\n", total);
    }
    crm_buf_printf(b,
                   "# HELP crm_http_requests_in_flight Requests being served now.\n"
                   "# TYPE crm_http_requests_in_flight gauge\n"
                   "crm_http_requests_in_flight %ld\n"
                   "# HELP crm_db_connections_up Open database connections (one per busy worker "
                   "thread).\n# TYPE crm_db_connections_up gauge\n"
                   "crm_db_connections_up %ld\n"
                   "# HELP crm_db_errors_total Transactions that failed: database errors and "
                   "unreachable database.\n# TYPE crm_db_errors_total counter\n"
                   "crm_db_errors_total %llu\n",
                   atomic_load(&crm_m.in_flight), crm_db_connections_up(), crm_db_errors_total());
    crm_buf_printf(b,
                   "# HELP crm_security_events_suppressed_total Security events not written to "
                   "a tenant's audit log: over CRM_SECURITY_EVENTS_PER_MINUTE for their tenant "
                   "and client address.\n# TYPE crm_security_events_suppressed_total counter\n"
                   "crm_security_events_suppressed_total %llu\n",
                   crm_security_events_suppressed());
    crm_worker_metrics_write(b);
}
