/* auth_routes.c - login, refresh-token rotation, logout, the caller's profile and the role list */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db/db.h"
#include "core/auth/jws.h"
#include "core/util/log.h"
#include "core/module.h"
#include "core/auth/tenant_modules.h"
#include "core/auth/password.h"
#include "core/auth/rbac.h"
#include "core/http/request.h"
#include "core/auth/security_event.h"
#include "core/auth/tenant_token.h"
#include "core/auth/throttle.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/handlers.h"
#include "crm/session_cookie.h"
#include "crm/user_fields.h"
#include "crm_auth_routes_sql.h"

static long crm_refresh_ttl_s = 30L * 86400;

void
crm_auth_routes_init(long refresh_ttl_s)
{
    crm_refresh_ttl_s = refresh_ttl_s;
}

/* The 200 answer of login and refresh: a new access token and the new refresh token, in the
 * body or, for a browser session, only in the session cookie. */
static void
crm_reply_tokens(crm_req_t *r, const char *user_id, const char *tenant_id, const char *role,
                 const crm_tenant_token_t *refresh, bool cookie)
{
    char *access = crm_jws_issue(r->arena, user_id, tenant_id, role);
    if (!access) {
        crm_reply_problem(r, 500, "the access token could not be signed");
        return;
    }
    crm_req_add_header(r, "Cache-Control", "no-store");
    json_t *body = json_pack("{ss ss sI}", "access_token", access, "token_type", "Bearer",
                             "expires_in", (json_int_t)crm_jws_ttl());
    if (cookie)
        crm_session_cookie_set(r, refresh->text, crm_refresh_ttl_s);
    else
        json_object_set_new(body, "refresh_token", json_string(refresh->text));
    crm_reply_json(r, 200, body);
}

static void
crm_reply_bad_credentials(crm_req_t *r, const char *detail)
{
    crm_req_add_header(r, "WWW-Authenticate", "Bearer");
    crm_reply_problem(r, 401, "%s", detail);
}

void
crm_auth_login(crm_req_t *r)
{
    static const char *const fields[] = {"tenant", "email", "password", "session", NULL};
    static const char *const sessions[] = {"body", "cookie", NULL};
    if (!crm_body_fields(r, fields))
        return;
    const char *slug = crm_field_string(r, "tenant", true, 63);
    const char *email = crm_field_string(r, "email", true, 254);
    const char *password = crm_field_string(r, "password", true, CRM_PASSWORD_MAX_BYTES);
    const char *session = crm_field_enum(r, "session", sessions, false);
    if (crm_fields_failed(r, "the login request is not valid"))
        return;
    char *account = crm_arena_sprintf(r->arena, "%s|%s", slug, email);
    for (char *p = account; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    /* Counted before the password is checked (a reservation), so that parallel attempts
     * cannot all pass the check before the first of them fails. */
    long wait = crm_throttle_attempt(account, r->client_ip);
    if (wait > 0) {
        crm_info("security: login throttled for tenant %s from %s", slug, r->client_ip);
        crm_req_add_header(r, "Retry-After", crm_arena_sprintf(r->arena, "%ld", wait));
        crm_reply_problem(r, 429, "too many login attempts; retry in %ld seconds", wait);
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    int ti = CRM_TX_ADD(tx, crm_sql_login_tenant, slug);
    int ui = CRM_TX_ADD(tx, crm_sql_login_user, email, slug);
    if (crm_tx_run(tx) != 0) {
        crm_throttle_release(account);
        return;
    }
    PGresult *tr = crm_tx_result(tx, ti), *ur = crm_tx_result(tx, ui);
    bool usable = PQntuples(tr) == 1 &&
                  strcmp(PQgetvalue(tr, 0, LOGIN_TENANT_STATUS), "active") == 0 &&
                  PQntuples(ur) == 1 && PQgetvalue(ur, 0, LOGIN_USER_ACTIVE)[0] == 't';
    crm_pw_result_t pw =
        crm_password_verify(usable ? PQgetvalue(ur, 0, LOGIN_USER_PASSWORD_HASH) : NULL, password);
    if (pw == CRM_PW_BUSY) {
        crm_throttle_release(account);
        crm_req_add_header(r, "Retry-After", "1");
        crm_reply_problem(r, 503, "the server is busy verifying passwords; retry shortly");
        return;
    }
    /* A wrong password keeps its reservation: it was a failure. */
    if (pw != CRM_PW_OK) {
        if (PQntuples(tr) == 1) { /* a tenant's own log learns of attempts on it */
            r->tenant_id = crm_arena_strdup(r->arena, PQgetvalue(tr, 0, LOGIN_TENANT_ID));
            const char *why = strcmp(PQgetvalue(tr, 0, LOGIN_TENANT_STATUS), "active") != 0
                                  ? "tenant_suspended"
                              : PQntuples(ur) != 1                             ? "unknown_user"
                              : PQgetvalue(ur, 0, LOGIN_USER_ACTIVE)[0] != 't' ? "user_disabled"
                                                                               : "wrong_password";
            /* the email only as the tenant knows it: an attacker's text never enters its log */
            crm_security_event(r, "login_failed",
                               PQntuples(ur) == 1
                                   ? json_pack("{ss ss}", "email",
                                               PQgetvalue(ur, 0, LOGIN_USER_EMAIL), "reason", why)
                                   : json_pack("{ss}", "reason", why));
        } else {
            crm_info("security: login failed for unknown tenant %s from %s", slug, r->client_ip);
        }
        crm_reply_bad_credentials(r, "the tenant, email or password is not right");
        return;
    }
    crm_throttle_success(account);
    const char *tenant_id = PQgetvalue(tr, 0, LOGIN_TENANT_ID);
    const char *user_id = PQgetvalue(ur, 0, LOGIN_USER_ID);
    const char *role = PQgetvalue(ur, 0, LOGIN_USER_ROLE);
    char rehash[CRM_PASSWORD_HASH_MAX];
    bool upgrade = crm_password_needs_rehash(PQgetvalue(ur, 0, LOGIN_USER_PASSWORD_HASH)) &&
                   crm_password_hash(password, rehash) == CRM_PW_OK;
    crm_tenant_token_t refresh;
    crm_tenant_token_new(tenant_id, &refresh);
    char ttl[24];
    snprintf(ttl, sizeof(ttl), "%ld", crm_refresh_ttl_s);
    r->tenant_id = crm_arena_strdup(r->arena, tenant_id);
    r->user_id = crm_arena_strdup(r->arena, user_id);
    crm_tx_t *start = crm_tx_new(r);
    CRM_TX_ADD(start, crm_sql_session_start, user_id, refresh.hash, ttl);
    CRM_TX_ADD(start, crm_sql_login_touch, user_id, upgrade ? rehash : NULL);
    crm_security_event_add(start, r, "login_succeeded",
                           json_pack("{ss}", "email", PQgetvalue(ur, 0, LOGIN_USER_EMAIL)));
    if (crm_tx_run(start) != 0)
        return;
    crm_reply_tokens(r, user_id, tenant_id, role, &refresh,
                     session && strcmp(session, "cookie") == 0);
}

/* The refresh token of a refresh or logout: from the body, or without a body from the
 * session cookie (then only with the CSRF header). NULL when a reply was made, or when
 * optional and there is none. */
static const char *
crm_presented_token(crm_req_t *r, const char *what, bool optional)
{
    if (!r->json) {
        if (!crm_session_csrf_ok(r))
            return NULL;
        const char *token = crm_session_cookie_token(r);
        if (!token && !optional)
            crm_reply_bad_credentials(r, "no refresh token: neither a body nor the session "
                                         "cookie " CRM_SESSION_COOKIE " was sent");
        return token;
    }
    static const char *const fields[] = {"refresh_token", NULL};
    if (!crm_body_fields(r, fields))
        return NULL;
    const char *token = crm_field_string(r, "refresh_token", true, 256);
    return crm_fields_failed(r, what) ? NULL : token;
}

/* A refused refresh token; a refused cookie is also cleared, so that the browser forgets it. */
static void
crm_reply_bad_refresh(crm_req_t *r, const char *detail)
{
    if (!r->json)
        crm_session_cookie_clear(r);
    crm_reply_bad_credentials(r, detail);
}

void
crm_auth_refresh(crm_req_t *r)
{
    const char *token = crm_presented_token(r, "the refresh request is not valid", false);
    if (!token)
        return;
    crm_tenant_token_t old, next;
    if (!crm_tenant_token_parse(token, strlen(token), &old)) {
        crm_reply_bad_refresh(r, "the refresh token is not valid");
        return;
    }
    crm_tenant_token_new(old.tenant_id, &next);
    char ttl[24];
    snprintf(ttl, sizeof(ttl), "%ld", crm_refresh_ttl_s);
    r->tenant_id = crm_arena_strdup(r->arena, old.tenant_id);
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_refresh, old.hash, next.hash, ttl);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    const char *outcome = PQgetvalue(res, 0, REFRESH_OUTCOME);
    if (strcmp(outcome, "ok") != 0) {
        if (strcmp(outcome, "reused") == 0) { /* the tenant is known: the token was ours */
            r->user_id = crm_arena_strdup(r->arena, PQgetvalue(res, 0, REFRESH_USER_ID));
            crm_security_event(r, "refresh_token_reused",
                               json_pack("{ss ss}", "user_id", r->user_id, "outcome",
                                         "every token of the session revoked"));
        }
        crm_reply_bad_refresh(r, strcmp(outcome, "reused") == 0
                                     ? "the refresh token was already used; every token "
                                       "of its session is now revoked"
                                     : "the refresh token is not valid");
        return;
    }
    r->user_id = crm_arena_strdup(r->arena, PQgetvalue(res, 0, REFRESH_USER_ID));
    crm_reply_tokens(r, r->user_id, old.tenant_id, PQgetvalue(res, 0, REFRESH_ROLE), &next,
                     !r->json);
}

/* Revokes the session (the refresh token's family). Like RFC 7009 revocation, an unknown or
 * spent token is not an error: the answer is 204 either way. Without a body the session
 * cookie's token is revoked and the cookie cleared. */
void
crm_auth_logout(crm_req_t *r)
{
    const char *token = crm_presented_token(r, "the logout request is not valid", true);
    if (r->replied)
        return;
    crm_tenant_token_t t;
    if (token && crm_tenant_token_parse(token, strlen(token), &t)) {
        r->tenant_id = crm_arena_strdup(r->arena, t.tenant_id);
        crm_tx_t *tx = crm_tx_new(r);
        CRM_TX_ADD(tx, crm_sql_logout, t.hash);
        if (crm_tx_run(tx) != 0)
            return;
    }
    if (!r->json)
        crm_session_cookie_clear(r);
    crm_reply(r, 204, NULL, "", 0);
}

/* The role's permissions; with a tenant, without those of modules it has not enabled. */
static json_t *
crm_role_permissions(int role, const char *tenant_id)
{
    json_t *perms = json_array();
    for (size_t i = 0; i < crm_rbac_permission_count(); i++) {
        const char *p = crm_rbac_permission_name(i);
        const crm_module_t *m = tenant_id ? crm_module_of_permission(p) : NULL;
        if (crm_rbac_allows(role, p) && (!m || crm_tenant_module_enabled(tenant_id, m->name)))
            json_array_append_new(perms, json_string(p));
    }
    return perms;
}

void
crm_auth_me(crm_req_t *r)
{
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_me, r->user_id);
    int first = crm_user_fields_read(tx, crm_arena_sprintf(r->arena, "{%s}", r->user_id));
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    if (PQntuples(res) != 1) {
        crm_req_add_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        crm_reply_problem(r, 401, "the token's user no longer exists or is disabled");
        return;
    }
    int role = crm_role_by_name(PQgetvalue(res, 0, ME_ROLE));
    crm_req_add_header(r, "Cache-Control", "no-store");
    json_t *me = json_pack(
        "{ss ss ss ss ss so s{ss ss ss ss}}", "id", PQgetvalue(res, 0, ME_ID), "tenant_id",
        PQgetvalue(res, 0, ME_TENANT_ID), "email", PQgetvalue(res, 0, ME_EMAIL), "full_name",
        PQgetvalue(res, 0, ME_FULL_NAME), "role", PQgetvalue(res, 0, ME_ROLE), "permissions",
        crm_role_permissions(role, r->tenant_id), "tenant", "name",
        PQgetvalue(res, 0, ME_TENANT_NAME), "slug", PQgetvalue(res, 0, ME_TENANT_SLUG), "time_zone",
        PQgetvalue(res, 0, ME_TIME_ZONE), "default_country", PQgetvalue(res, 0, ME_COUNTRY));
    crm_user_fields_merge(tx, first, r->user_id, me);
    crm_reply_json(r, 200, me);
}

void
crm_auth_roles(crm_req_t *r)
{
    json_t *roles = json_array();
    for (int i = 0; i < crm_role_count(); i++)
        json_array_append_new(roles, json_pack("{ss ss so}", "name", crm_role_name(i),
                                               "description", crm_role_description(i),
                                               "permissions", crm_role_permissions(i, NULL)));
    crm_reply_json(r, 200, json_pack("{so}", "data", roles));
}
