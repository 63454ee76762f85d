/* users.c - the tenant's users: list, create, read, change, disable (never deleted) */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db/db.h"
#include "core/db/listing.h"
#include "core/auth/password.h"
#include "core/auth/rbac.h"
#include "core/http/request.h"
#include "core/util/buf.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/handlers.h"
#include "crm/records.h"
#include "crm/user_fields.h"
#include "crm_users_sql.h"

CRM_PAGE_ROW(USERS_LIST);
CRM_RECORD_ROW(USER_CREATE);
CRM_RECORD_ROW(USER_GET);
CRM_RECORD_ROW(USER_UPDATE);

/* The user JSON of row (a CRM_RECORD_ROW or CRM_PAGE_ROW: the JSON first) with the modules'
 * fields of user id added (arena text). */
static const char *
crm_user_json(crm_req_t *r, PGresult *res, int row, const crm_tx_t *fields, int first,
              const char *id)
{
    if (first < 0)
        return PQgetvalue(res, row, CRM_RECORD_JSON);
    json_t *user = json_loads(PQgetvalue(res, row, CRM_RECORD_JSON), 0, NULL);
    crm_user_fields_merge(fields, first, id, user);
    char *text = json_dumps(user, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(user);
    const char *out = crm_arena_strdup(r->arena, text ? text : "null");
    free(text);
    return out;
}

void
crm_users_list(crm_req_t *r)
{
    crm_page_t page;
    if (!crm_page_read(r, &page, "users"))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_users_list, page.after_key, page.after_id, page.fetch);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *rows = crm_tx_result(tx, i);
    int n = PQntuples(rows) < page.limit ? PQntuples(rows) : page.limit;
    if (n == 0) {
        crm_reply_page(r, &page, rows);
        return;
    }
    /* The modules' fields of the page's users: a second trip (a list of users is rare). */
    crm_buf_t ids;
    crm_buf_init(&ids, r->arena, (size_t)n * 40);
    for (int k = 0; k < n; k++)
        crm_buf_printf(&ids, "%c%s", k ? ',' : '{', PQgetvalue(rows, k, USERS_LIST_ID));
    crm_buf_putc(&ids, '}');
    crm_tx_t *ftx = crm_tx_new(r);
    int first = crm_user_fields_read(ftx, ids.data);
    if (first >= 0 && crm_tx_run(ftx) != 0)
        return;
    const char **items = crm_arena_alloc(r->arena, (size_t)n * sizeof(*items));
    for (int k = 0; k < n; k++)
        items[k] = crm_user_json(r, rows, k, ftx, first, PQgetvalue(rows, k, USERS_LIST_ID));
    crm_reply_page_items(r, &page, rows, items);
}

/* Replies user id's row (a CRM_RECORD_ROW: its JSON and version) with its ETag and the
 * modules' fields read from statement first on of tx. */
static void
crm_reply_user(crm_req_t *r, int status, PGresult *res, const crm_tx_t *tx, int first,
               const char *id)
{
    crm_req_add_header(
        r, "ETag", crm_arena_sprintf(r->arena, "\"%s\"", PQgetvalue(res, 0, CRM_RECORD_VERSION)));
    if (status == 201)
        crm_req_add_header(r, "Location", crm_arena_sprintf(r->arena, "/api/v1/users/%s", id));
    const char *json = crm_user_json(r, res, 0, tx, first, id);
    crm_reply(r, status, "application/json", json, strlen(json));
}

/* The array literal of one user id, for the modules' reads. */
static const char *
crm_user_ids(crm_req_t *r, const char *id)
{
    return crm_arena_sprintf(r->arena, "{%s}", id);
}

/* The role named in the body: known, and not stronger than the caller's own. */
static const char *
crm_user_role(crm_req_t *r, bool required, bool *forbidden)
{
    const char *role = crm_field_string(r, "role", required, 32);
    if (!role)
        return NULL;
    int id = crm_role_by_name(role);
    if (id < 0) {
        crm_buf_t names;
        crm_buf_init(&names, r->arena, 128);
        for (int i = 0; i < crm_role_count(); i++)
            crm_buf_printf(&names, "%s%s", i ? ", " : "", crm_role_name(i));
        crm_req_field_error(r, "role", "must be one of %s", names.data);
        return NULL;
    }
    if (!crm_rbac_covers(r->role_id, id))
        *forbidden = true;
    return role;
}

/* Checks the password rules and hashes it into out; false after replying a problem. */
static bool
crm_user_password(crm_req_t *r, const char *password, const char *email, const char *user_id,
                  char *out)
{
    crm_tx_t *tx = crm_tx_new(r);
    int t = CRM_TX_ADD0(tx, crm_sql_tenant_name);
    int u = email ? -1 : CRM_TX_ADD(tx, crm_sql_user_email, user_id);
    if (crm_tx_run(tx) != 0)
        return false;
    if (u >= 0) {
        if (PQntuples(crm_tx_result(tx, u)) != 1) {
            crm_reply_problem(r, 404, "no such user");
            return false;
        }
        email = PQgetvalue(crm_tx_result(tx, u), 0, USER_EMAIL_EMAIL);
    }
    const char *tenant = PQntuples(crm_tx_result(tx, t))
                             ? PQgetvalue(crm_tx_result(tx, t), 0, TENANT_NAME_NAME)
                             : NULL;
    const char *why = crm_password_rule_violation(password, email, tenant);
    if (why) {
        crm_req_field_error(r, "password", "%s", why);
        crm_reply_problem(r, 422, "the password is not allowed");
        return false;
    }
    if (crm_password_hash(password, out) != CRM_PW_OK) {
        crm_req_add_header(r, "Retry-After", "1");
        crm_reply_problem(r, 503, "the server is busy hashing passwords; retry shortly");
        return false;
    }
    return true;
}

void
crm_users_create(crm_req_t *r)
{
    static const char *const fields[] = {"email", "full_name", "role", "password", NULL};
    if (!crm_body_fields(r, crm_user_fields_known(r, fields)))
        return;
    const char *email = crm_field_string(r, "email", true, 254);
    if (email && !strchr(email, '@'))
        crm_req_field_error(r, "email", "must be an email address");
    const char *name = crm_field_string(r, "full_name", true, 200);
    bool forbidden = false;
    const char *role = crm_user_role(r, true, &forbidden);
    crm_user_fields_t extra;
    crm_user_fields_parse(r, &extra, true);
    const char *password = crm_field_string(r, "password", true, CRM_PASSWORD_MAX_BYTES);
    if (crm_fields_failed(r, "the user is not valid"))
        return;
    if (forbidden) {
        crm_reply_problem(r, 403, "you cannot grant the role %s: it has permissions yours lacks",
                          role);
        return;
    }
    char hash[CRM_PASSWORD_HASH_MAX];
    if (!crm_user_password(r, password, email, NULL, hash))
        return;
    char id[CRM_UUID_LEN + 1];
    crm_uuid_v4(id);
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_user_create, email, hash, name, role, id);
    crm_user_fields_write(tx, id, &extra);
    int first = crm_user_fields_read(tx, crm_user_ids(r, id));
    if (crm_tx_run(tx) != 0) {
        const char *state = crm_tx_sqlstate(tx);
        if (state && strcmp(state, "23505") == 0) {
            crm_req_field_error(r, "email", "is already a user of this tenant");
            crm_reply_problem(r, 409, "a user with this email exists");
        } else if (state && strncmp(state, "23", 2) == 0) {
            crm_req_field_error(r, "email", "is not a valid email address");
            crm_reply_problem(r, 422, "the user is not valid");
        }
        return;
    }
    crm_reply_user(r, 201, crm_tx_result(tx, i), tx, first, id);
}

void
crm_users_get(crm_req_t *r)
{
    const char *id = crm_req_param(r, "id");
    if (!crm_uuid_valid(id)) {
        crm_reply_problem(r, 404, "no such user");
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_user_get, id);
    int first = crm_user_fields_read(tx, crm_user_ids(r, id));
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, i)) != 1) {
        crm_reply_problem(r, 404, "no such user");
        return;
    }
    crm_reply_user(r, 200, crm_tx_result(tx, i), tx, first, id);
}

/* Applies a change to user {id}: full_name, role, active, password, the modules' fields. */
static void
crm_user_change(crm_req_t *r, const char *id, int status_ok)
{
    bool forbidden = false;
    const char *name = crm_field_string(r, "full_name", false, 200);
    const char *role = crm_user_role(r, false, &forbidden);
    const char *active = NULL;
    crm_user_fields_t extra;
    crm_user_fields_parse(r, &extra, false);
    if (crm_field_present(r, "active"))
        active = crm_field_bool(r, "active", true) ? "t" : "f";
    const char *password = crm_field_string(r, "password", false, CRM_PASSWORD_MAX_BYTES);
    if (crm_fields_failed(r, "the change is not valid"))
        return;
    bool self = r->user_id && strcmp(r->user_id, id) == 0;
    if (self && role) {
        crm_reply_problem(r, 403, "you cannot change your own role");
        return;
    }
    if (self && active && active[0] == 'f') {
        crm_reply_problem(r, 403, "you cannot disable yourself");
        return;
    }
    if (forbidden) {
        crm_reply_problem(r, 403, "you cannot grant the role %s: it has permissions yours lacks",
                          role);
        return;
    }
    const char *version;
    if (!crm_record_if_match(r, false, &version))
        return;
    char hash[CRM_PASSWORD_HASH_MAX];
    if (password && !crm_user_password(r, password, NULL, id, hash))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    /* the change and the refusal of tokens issued before; then the revocation of the user's
     * sessions when disabled or given a new password, if the change was made (users.sql) */
    int u = CRM_TX_ADD(tx, crm_sql_user_update, id, name, role, active, password ? hash : NULL,
                       version);
    CRM_TX_ADD(tx, crm_sql_user_sessions_end, id, active, password ? hash : NULL);
    crm_user_fields_write(tx, id, &extra);
    int first = crm_user_fields_read(tx, crm_user_ids(r, id));
    int v = CRM_TX_ADD(tx, crm_sql_user_version, id);
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, u)) == 1) {
        if (status_ok == 204)
            crm_reply(r, 204, NULL, "", 0);
        else
            crm_reply_user(r, 200, crm_tx_result(tx, u), tx, first, id);
    } else if (PQntuples(crm_tx_result(tx, v)) == 1) {
        crm_req_add_header(
            r, "ETag",
            crm_arena_sprintf(r->arena, "\"%s\"",
                              PQgetvalue(crm_tx_result(tx, v), 0, USER_VERSION_VERSION)));
        crm_reply_problem(r, 412, "the user changed since that version; fetch it again");
    } else {
        crm_reply_problem(r, 404, "no such user");
    }
}

void
crm_users_patch(crm_req_t *r)
{
    static const char *const fields[] = {"full_name", "role", "active", "password", NULL};
    const char *id = crm_req_param(r, "id");
    if (!crm_uuid_valid(id)) {
        crm_reply_problem(r, 404, "no such user");
        return;
    }
    if (crm_body_fields(r, crm_user_fields_known(r, fields)))
        crm_user_change(r, id, 200);
}

/* DELETE disables: users are never removed, their history stays theirs. */
void
crm_users_delete(crm_req_t *r)
{
    const char *id = crm_req_param(r, "id");
    if (!crm_uuid_valid(id)) {
        crm_reply_problem(r, 404, "no such user");
        return;
    }
    r->json = json_pack("{sb}", "active", 0);
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, r->json);
    crm_user_change(r, id, 204);
}
