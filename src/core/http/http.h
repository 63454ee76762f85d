/* http.h - the HTTP server: libmicrohttpd thread pool, request life cycle, graceful shutdown */
#ifndef CRM_CORE_HTTP_H
#define CRM_CORE_HTTP_H

#include <stdbool.h>

#include "core/util/config.h"
#include "core/http/router.h"

/* Starts serving in background threads. Block SIGTERM/SIGINT in the caller first, so the
 * worker threads inherit the mask. Returns 0, or -1 with a message in err. */
int crm_http_start(const crm_config_t *config, const crm_router_t *rt, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
int crm_http_port(void);
/* Stops accepting connections; /readyz answers 503; responses close their connection. */
void crm_http_drain(void);
bool crm_http_draining(void);
/* Requests between their head and their completion. */
long crm_http_in_flight(void);
/* True when nothing is in flight; from then on no request is admitted (a connection that
 * brings one is closed without running or answering it), so stopping cuts off nothing. */
bool crm_http_quiet(void);
/* Closes every connection and joins the worker threads. */
void crm_http_stop(void);

#endif
