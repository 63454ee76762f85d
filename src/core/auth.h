/* auth.h - who is calling: verifies the bearer token of routes that need one */
#ifndef CRM_CORE_AUTH_H
#define CRM_CORE_AUTH_H

#include "core/request.h"

/* For a route with a permission other than CRM_PERM_PUBLIC: verifies the caller's token and
 * sets r->tenant_id, r->user_id and r->role, then checks the route's permission. Returns 0
 * when the request may go on; otherwise replies 401 or 403 and returns -1. */
int crm_auth_authorize(crm_req_t *r);

#endif
