/* auth.c - who is calling: bearer-token check in front of every non-public route.
 * Token verification (JWT key set, roles) is not configured yet, so every protected route
 * answers 401: the route table's permissions are enforced from the first day, deny by default. */
#include "core/auth.h"

#include <string.h>
#include <strings.h>

int
crm_auth_authorize(crm_req_t *r)
{
    const char *h = crm_req_header(r, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !h[7]) {
        crm_req_add_header(r, "WWW-Authenticate", "Bearer");
        crm_reply_problem(r, 401, "this resource needs a bearer token");
        return -1;
    }
    crm_req_add_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
    crm_reply_problem(r, 401, "the bearer token is not valid");
    return -1;
}
