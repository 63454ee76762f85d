/* session_cookie.c - the browser session's refresh token in an HttpOnly cookie, and the header
 * that proves a request came from the app's own page. The cookie is HttpOnly (no script reads
 * it), SameSite=Strict (no other site's page sends it), scoped to the auth routes, and Secure
 * unless the server's public URL is plain http on this machine (CRM_PUBLIC_URL; unset, it
 * is the listen address), where browsers would not keep a Secure cookie from plain http. */
#include "crm/session_cookie.h"

#include <string.h>

#include "core/util/public_url.h"

/* name=value; HttpOnly; SameSite=Strict; Path=/api/v1/auth; Max-Age=n[; Secure] */
static void
crm_session_cookie_add(crm_req_t *r, const char *value, long max_age_s)
{
    crm_req_add_header(
        r, "Set-Cookie",
        crm_arena_sprintf(r->arena,
                          CRM_SESSION_COOKIE "=%s; HttpOnly; SameSite=Strict; "
                                             "Path=" CRM_SESSION_PATH "; Max-Age=%ld%s",
                          value, max_age_s, crm_public_url_local_http() ? "" : "; Secure"));
}

void
crm_session_cookie_set(crm_req_t *r, const char *token, long max_age_s)
{
    crm_session_cookie_add(r, token, max_age_s);
}

void
crm_session_cookie_clear(crm_req_t *r)
{
    crm_session_cookie_add(r, "", 0);
}

const char *
crm_session_cookie_token(crm_req_t *r)
{
    const char *v = crm_req_cookie(r, CRM_SESSION_COOKIE);
    return v && *v ? v : NULL;
}

bool
crm_session_csrf_ok(crm_req_t *r)
{
    const char *h = crm_req_header(r, "X-CRM-CSRF");
    if (h && strcmp(h, "1") == 0)
        return true;
    crm_reply_problem(r, 403,
                      "a request without a body uses the session cookie and must carry the "
                      "header X-CRM-CSRF: 1");
    return false;
}
