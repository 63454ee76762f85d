/* session_cookie.h - the browser session's refresh token in an HttpOnly cookie, and the header
 * that proves a request came from the app's own page */
#ifndef CRM_CRM_SESSION_COOKIE_H
#define CRM_CRM_SESSION_COOKIE_H

#include <stdbool.h>

#include "core/http/request.h"

/* The cookie's name; its Path is the auth routes' folder. */
#define CRM_SESSION_COOKIE "crm_refresh"
#define CRM_SESSION_PATH   "/api/v1/auth"

/* Sets the cookie to token, living max_age_s seconds (the refresh token's lifetime). */
void crm_session_cookie_set(crm_req_t *r, const char *token, long max_age_s);
/* Tells the browser to forget the cookie (Max-Age=0, same Path and flags). */
void crm_session_cookie_clear(crm_req_t *r);
/* The token the cookie holds, or NULL. */
const char *crm_session_cookie_token(crm_req_t *r);
/* True when the request carries X-CRM-CSRF: 1, which a cross-site form or a simple cross-site
 * request cannot send; otherwise replies 403 and returns false. */
bool crm_session_csrf_ok(crm_req_t *r);

#endif
