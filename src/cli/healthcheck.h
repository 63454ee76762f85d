/* healthcheck.h - `crm healthcheck`: whether the crm serving on CRM_LISTEN answers, for a
 * container's HEALTHCHECK (the image has no curl) */
#ifndef CRM_CLI_HEALTHCHECK_H
#define CRM_CLI_HEALTHCHECK_H

#include "core/util/config.h"

/* GET /healthz on the configured address (0.0.0.0 and :: asked on loopback) within 2 s: exit
 * status 0 on 200, 1 otherwise (saying why on stderr). */
int crm_cli_healthcheck(crm_config_t *c);

#endif
