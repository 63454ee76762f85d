/* metrics.h - request counters, latency histograms and gauges, rendered in Prometheus text format
 */
#ifndef CRM_CORE_METRICS_H
#define CRM_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/util/buf.h"
#include "core/http/router.h"

#define CRM_METRICS_UNMATCHED ((size_t)-1)

/* Sizes the counters for the router's routes; call once before serving. */
void crm_metrics_init(const crm_router_t *rt);
void crm_metrics_free(void);
void crm_metrics_request_started(void);
/* route_index is a router index or CRM_METRICS_UNMATCHED. */
void crm_metrics_request_finished(size_t route_index, int status, uint64_t duration_us);
void crm_metrics_render(crm_buf_t *b);

#endif
