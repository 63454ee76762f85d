/* auth.c - who is calling: the platform key, or a verified access token and its role's
 * permission for the route (RBAC), in memory, deny by default */
#include "core/auth/auth.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "core/auth/denylist.h"
#include "core/auth/jws.h"
#include "core/util/log.h"
#include "core/auth/rbac.h"
#include "core/auth/security_event.h"

static const char *crm_platform_key;

void
crm_auth_init(const char *platform_key)
{
    crm_platform_key = platform_key;
}

/* The bearer credential of the request, or NULL. */
static const char *
crm_bearer(crm_req_t *r)
{
    const char *h = crm_req_header(r, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

static int
crm_auth_reject(crm_req_t *r, bool had_token, const char *why)
{
    crm_req_add_header(r, "WWW-Authenticate",
                       had_token ? "Bearer error=\"invalid_token\"" : "Bearer");
    if (had_token)
        crm_info("security: token rejected (%s) from %s on %s", why, r->client_ip, r->path);
    crm_reply_problem(r, 401, "%s", why);
    return -1;
}

/* Whether the request's bearer credential is secret (compared in constant time). */
static bool
crm_auth_bearer_is(crm_req_t *r, const char *secret)
{
    const char *bearer = crm_bearer(r);
    size_t n = strlen(secret);
    return bearer && strlen(bearer) == n && sodium_memcmp(bearer, secret, n) == 0;
}

int
crm_auth_demand(crm_req_t *r, const char *secret, const char *what)
{
    if (crm_auth_bearer_is(r, secret))
        return 0;
    bool had = crm_bearer(r) != NULL;
    return crm_auth_reject(
        r, had,
        crm_arena_sprintf(r->arena, had ? "the %s is not valid" : "this resource needs the %s",
                          what));
}

static int
crm_auth_platform(crm_req_t *r)
{
    if (!crm_platform_key) {
        crm_reply_problem(r, 404, "no resource at this path");
        return -1;
    }
    if (crm_auth_demand(r, crm_platform_key, "platform key") != 0)
        return -1;
    crm_info("security: platform call %s %s from %s", r->method, r->path, r->client_ip);
    return 0;
}

int
crm_auth_authorize(crm_req_t *r)
{
    const char *perm = r->match.route->permission;
    const char *bearer = crm_bearer(r);
    if (strcmp(perm, CRM_PERM_PLATFORM) == 0)
        return crm_auth_platform(r);
    if (!bearer)
        return crm_auth_reject(r, false, "this resource needs a bearer token");
    crm_token_claims_t c;
    const char *why = NULL;
    if (crm_jws_verify(bearer, &c, &why) != 0)
        return crm_auth_reject(r, true, why);
    r->tenant_id = crm_arena_strdup(r->arena, c.tid);
    if (crm_denylist_blocks(&c)) { /* signed by us: the tenant is known */
        r->user_id = crm_arena_strdup(r->arena, c.sub);
        crm_security_event(r, "token_revoked", json_pack("{ss}", "user_id", c.sub));
        r->tenant_id = r->user_id = NULL;
        return crm_auth_reject(r, true, "the token was revoked");
    }
    r->user_id = crm_arena_strdup(r->arena, c.sub);
    r->role_id = c.role;
    r->role = crm_role_name(c.role);
    if (!crm_rbac_route_allows(r->match.index, c.role)) {
        crm_security_event(r, "permission_denied",
                           json_pack("{ss ss ss}", "permission", perm, "role", r->role, "route",
                                     r->match.route->path));
        crm_reply_problem(r, 403, "the role %s does not have the permission %s", r->role, perm);
        return -1;
    }
    return 0;
}
