/* message_templates.c - the tenant's wording of the modules' kinds of message, per channel:
 * listed, read (its own or the default), replaced and reset to the default (settings.manage) */
#include "crm/message_templates.h"

#include <jansson.h>
#include <string.h>

#include "core/auth/tenant_modules.h"
#include "core/db/db.h"
#include "core/messaging/template.h"
#include "core/http/validate.h"
#include "crm/handlers.h"
#include "crm_message_templates_sql.h"

const char *const crm_template_field_names[CRM_TEMPLATE_FIELDS] = {"subject", "body", "html"};

/* The bounds of a field: characters (UTF-8 sequences) for the subject and an SMS, which are
 * read by people on small screens; bytes for an email's text and HTML. An SMS of 1600
 * characters is Twilio's limit (ten or more segments); a subject is one line. */
enum {
    CRM_TEMPLATE_SUBJECT_CHARS = 200,
    CRM_TEMPLATE_SMS_CHARS = 1600,
    CRM_TEMPLATE_EMAIL_BYTES = 65536,
};

static const char *const crm_channels[] = {"sms", "email"};

bool
crm_template_kind_enabled(crm_req_t *r, const crm_message_kind_t *kind)
{
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        for (const crm_message_kind_t *k = (*m)->message_kinds; k && k->name; k++)
            if (k == kind)
                return m == crm_modules || crm_tenant_module_enabled(r->tenant_id, (*m)->name);
    return false;
}

/* Whether kind has a default wording on channel (0 SMS, 1 email): it is sent that way. */
static bool
crm_kind_sent_by(const crm_message_kind_t *kind, size_t channel)
{
    return channel == 0 ? kind->sms != NULL : kind->email_subject != NULL;
}

bool
crm_template_target(crm_req_t *r, crm_template_target_t *t)
{
    const char *name = crm_req_param(r, "kind"), *channel = crm_req_param(r, "channel");
    const crm_message_kind_t *kind = name ? crm_message_kind_find(name) : NULL;
    if (!kind || !crm_template_kind_enabled(r, kind)) {
        crm_reply_problem(r, 404, "no such kind of message");
        return false;
    }
    for (size_t c = 0; c < sizeof(crm_channels) / sizeof(crm_channels[0]); c++) {
        if (channel && strcmp(channel, crm_channels[c]) == 0 && crm_kind_sent_by(kind, c)) {
            *t = (crm_template_target_t){kind, crm_channels[c], c == 1};
            return true;
        }
    }
    crm_reply_problem(r, 404, "%s messages are not sent by that channel", kind->name);
    return false;
}

bool
crm_template_has_field(const crm_template_target_t *t, int field)
{
    return t->email || field == CRM_TEMPLATE_BODY;
}

const char *
crm_template_default(const crm_template_target_t *t, int field)
{
    if (!t->email)
        return field == CRM_TEMPLATE_BODY ? t->kind->sms : NULL;
    return field == CRM_TEMPLATE_SUBJECT ? t->kind->email_subject
           : field == CRM_TEMPLATE_BODY  ? t->kind->email_text
                                         : t->kind->email_html;
}

/* The number of characters of well-formed UTF-8 text s (len bytes). */
static size_t
crm_utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

typedef struct crm_unknown_ctx {
    crm_req_t *r;
    const char *field;
} crm_unknown_ctx_t;

static void
crm_template_unknown(const char *name, void *ctx)
{
    crm_unknown_ctx_t *u = ctx;
    crm_req_field_error(u->r, u->field, "unknown variable {{%s}}", name);
}

const char *
crm_template_field(crm_req_t *r, const crm_template_target_t *t, int field, bool required)
{
    const char *name = crm_template_field_names[field];
    size_t len;
    /* UTF-8 without NUL: the body parser saw to it */
    const char *s = crm_field_text(r, name, required, &len);
    if (!s)
        return NULL;
    if (field == CRM_TEMPLATE_SUBJECT) {
        size_t n = crm_utf8_chars(s, len);
        bool one_line = true;
        for (size_t i = 0; i < len; i++)
            one_line = one_line && (unsigned char)s[i] >= 0x20 && s[i] != 0x7f;
        if (n == 0 || n > CRM_TEMPLATE_SUBJECT_CHARS || !one_line) {
            crm_req_field_error(r, name,
                                "must be one line of 1 to %d characters, without control "
                                "characters",
                                CRM_TEMPLATE_SUBJECT_CHARS);
            return NULL;
        }
    } else if (!t->email) {
        size_t n = crm_utf8_chars(s, len);
        if (n == 0 || n > CRM_TEMPLATE_SMS_CHARS) {
            crm_req_field_error(r, name, "must be 1 to %d characters", CRM_TEMPLATE_SMS_CHARS);
            return NULL;
        }
    } else if (len == 0 || len > CRM_TEMPLATE_EMAIL_BYTES) {
        crm_req_field_error(r, name, "must be 1 to %d bytes", CRM_TEMPLATE_EMAIL_BYTES);
        return NULL;
    }
    crm_field_error_t *mark = r->errors_tail;
    crm_unknown_ctx_t ctx = {r, name};
    crm_template_error err;
    int unknown = crm_template_check(s, len, t->kind->variables, crm_template_unknown, &ctx, &err);
    if (unknown < 0) { /* a syntax error: the names read before it matter less */
        crm_req_forget_errors(r, mark);
        crm_req_field_error(r, name, "%s", err.message);
    }
    return unknown == 0 ? s : NULL;
}

/* The template as GET answers it: its fields (row res 0 when customised, else the defaults),
 * with what describes the kind. */
static json_t *
crm_template_json(const crm_template_target_t *t, PGresult *res)
{
    bool own = res && PQntuples(res) == 1;
    json_t *vars = json_array();
    for (const char *const *v = t->kind->variables; v && *v; v++)
        json_array_append_new(vars, json_string(*v));
    json_t *out = json_pack("{ss ss ss so sb}", "kind", t->kind->name, "channel", t->channel,
                            "description", t->kind->description ? t->kind->description : "",
                            "variables", vars, "customised", own);
    static const int cols[CRM_TEMPLATE_FIELDS] = {
        MESSAGE_TEMPLATE_GET_SUBJECT, MESSAGE_TEMPLATE_GET_BODY, MESSAGE_TEMPLATE_GET_HTML};
    for (int f = 0; f < CRM_TEMPLATE_FIELDS; f++)
        if (crm_template_has_field(t, f))
            json_object_set_new(
                out, crm_template_field_names[f],
                json_string(own ? PQgetvalue(res, 0, cols[f]) : crm_template_default(t, f)));
    json_object_set_new(out, "updated_at",
                        own ? json_string(PQgetvalue(res, 0, MESSAGE_TEMPLATE_GET_UPDATED_AT))
                            : json_null());
    return out;
}

void
crm_message_templates_list(crm_req_t *r)
{
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD0(tx, crm_sql_message_templates_customised);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    json_t *data = json_array();
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        for (const crm_message_kind_t *k = (*m)->message_kinds; k && k->name; k++) {
            if (!crm_template_kind_enabled(r, k))
                continue;
            for (size_t c = 0; c < sizeof(crm_channels) / sizeof(crm_channels[0]); c++) {
                if (!crm_kind_sent_by(k, c))
                    continue;
                const char *updated = NULL;
                for (int row = 0; row < PQntuples(res) && !updated; row++)
                    if (strcmp(PQgetvalue(res, row, MESSAGE_TEMPLATES_CUSTOMISED_KIND), k->name) ==
                            0 &&
                        strcmp(PQgetvalue(res, row, MESSAGE_TEMPLATES_CUSTOMISED_CHANNEL),
                               crm_channels[c]) == 0)
                        updated = PQgetvalue(res, row, MESSAGE_TEMPLATES_CUSTOMISED_UPDATED_AT);
                json_array_append_new(
                    data, json_pack("{ss ss ss sb so}", "kind", k->name, "channel", crm_channels[c],
                                    "description", k->description ? k->description : "",
                                    "customised", updated != NULL, "updated_at",
                                    updated ? json_string(updated) : json_null()));
            }
        }
    }
    crm_reply_json(r, 200, json_pack("{so sn}", "data", data, "next_cursor"));
}

void
crm_message_templates_get(crm_req_t *r)
{
    crm_template_target_t t;
    if (!crm_template_target(r, &t))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_message_template_get, t.kind->name, t.channel);
    if (crm_tx_run(tx) != 0)
        return;
    crm_reply_json(r, 200, crm_template_json(&t, crm_tx_result(tx, i)));
}

/* PUT: the whole template of the channel (an SMS: body; an email: subject, body and html),
 * checked against the kind's variables before it is stored. */
void
crm_message_templates_put(crm_req_t *r)
{
    crm_template_target_t t;
    if (!crm_template_target(r, &t))
        return;
    static const char *const sms_fields[] = {"body", NULL};
    static const char *const email_fields[] = {"subject", "body", "html", NULL};
    if (!crm_body_fields(r, t.email ? email_fields : sms_fields))
        return;
    const char *text[CRM_TEMPLATE_FIELDS] = {NULL};
    for (int f = 0; f < CRM_TEMPLATE_FIELDS; f++)
        if (crm_template_has_field(&t, f))
            text[f] = crm_template_field(r, &t, f, true);
    if (crm_fields_failed(r, "the template is not valid"))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i =
        CRM_TX_ADD(tx, crm_sql_message_template_put, t.kind->name, t.channel,
                   text[CRM_TEMPLATE_SUBJECT], text[CRM_TEMPLATE_BODY], text[CRM_TEMPLATE_HTML]);
    if (crm_tx_run(tx) != 0)
        return;
    json_t *out = crm_template_json(&t, NULL);
    json_object_set_new(out, "customised", json_true());
    for (int f = 0; f < CRM_TEMPLATE_FIELDS; f++)
        if (text[f])
            json_object_set_new(out, crm_template_field_names[f], json_string(text[f]));
    json_object_set_new(
        out, "updated_at",
        json_string(PQgetvalue(crm_tx_result(tx, i), 0, MESSAGE_TEMPLATE_PUT_UPDATED_AT)));
    crm_reply_json(r, 200, out);
}

/* DELETE: back to the default wording (204 whether or not the tenant had its own). */
void
crm_message_templates_delete(crm_req_t *r)
{
    crm_template_target_t t;
    if (!crm_template_target(r, &t))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    CRM_TX_ADD(tx, crm_sql_message_template_delete, t.kind->name, t.channel);
    if (crm_tx_run(tx) != 0)
        return;
    crm_reply(r, 204, NULL, "", 0);
}
