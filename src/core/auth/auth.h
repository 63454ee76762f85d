/* auth.h - who is calling: verifies the bearer token of routes that need one */
#ifndef CRM_CORE_AUTH_H
#define CRM_CORE_AUTH_H

#include "core/http/request.h"

/* The key of /platform routes (NULL disables them: they answer 404). */
void crm_auth_init(const char *platform_key);

/* For a route with a permission other than CRM_PERM_PUBLIC: platform routes need the
 * platform key; every other route a valid access token (not revoked) whose role holds the
 * route's permission. Sets r->tenant_id, r->user_id and r->role. Returns 0 when the request
 * may go on; otherwise replies 401, 403 (or 404 for a disabled platform API) and returns -1. */
int crm_auth_authorize(crm_req_t *r);
/* 0 when the bearer credential is secret (compared in constant time); otherwise answers 401 (naming
 * what is needed, with WWW-Authenticate) and returns -1. */
int crm_auth_demand(crm_req_t *r, const char *secret, const char *what);

#endif
