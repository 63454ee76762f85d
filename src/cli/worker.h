/* worker.h - `crm worker`: the delivery worker as a process of its own */
#ifndef CRM_CLI_WORKER_H
#define CRM_CLI_WORKER_H

#include "core/util/config.h"

/* Delivers until SIGTERM or SIGINT, serving /healthz, /readyz and /metrics on CRM_LISTEN;
 * then finishes the send in flight, gives unsent claimed rows back and exits 0. */
int crm_cli_worker(crm_config_t *c);

#endif
