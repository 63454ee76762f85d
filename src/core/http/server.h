/* server.h - `crm serve`: start-up checks, serving, and the graceful shutdown on a signal */
#ifndef CRM_CORE_SERVER_H
#define CRM_CORE_SERVER_H

#include "core/util/config.h"

/* Serves until SIGTERM/SIGINT, then drains. Returns the process exit status: 0 after a clean
 * shutdown, 1 when a start-up check fails (the reason is logged). When ready is given, it is
 * called once the server listens, with the port it listens on. */
int crm_server_run(const crm_config_t *config, void (*ready)(int port));

#endif
