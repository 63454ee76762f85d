/* system_routes.h - health, readiness, metrics, API documentation and the web app's routes */
#ifndef CRM_CORE_SYSTEM_ROUTES_H
#define CRM_CORE_SYSTEM_ROUTES_H

#include "core/util/config.h"
#include "core/http/router.h"

extern const crm_route_t crm_system_routes[];

/* Where /docs finds the Swagger UI assets, and / the web app. */
void crm_system_routes_init(const crm_config_t *config);

#endif
