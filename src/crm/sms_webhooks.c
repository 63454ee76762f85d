/* sms_webhooks.c - what Twilio calls back: delivery reports of the SMS sent, and the replies to
 * them (matched to the tenant and contact, acted on by their first word, kept in the inbox);
 * docs/messaging.md, Replies */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/db/db.h"
#include "core/http/db_problem.h"
#include "core/http/validate.h"
#include "core/messaging/form.h"
#include "core/messaging/reply_words.h"
#include "core/messaging/twiml.h"
#include "core/messaging/twilio_signature.h"
#include "core/module.h"
#include "core/util/log.h"
#include "core/util/public_url.h"
#include "crm/handlers.h"
#include "crm_sms_webhooks_sql.h"

/* The longest SMS Twilio forwards, in characters (as inbound_messages.body allows). */
#define CRM_SMS_BODY_MAX 1600
#define CRM_SMS_ID_MAX   64

static const char *crm_webhook_auth_token;

void
crm_sms_webhooks_init(const char *auth_token)
{
    crm_webhook_auth_token = auth_token && auth_token[0] ? auth_token : NULL;
}

static void
crm_webhook_answer(crm_req_t *r, const char *message)
{
    const char *xml = crm_twiml_response(r->arena, message);
    crm_reply(r, 200, CRM_TWIML_TYPE, xml, strlen(xml));
}

static bool
crm_webhook_form_type(const char *ct)
{
    static const char type[] = "application/x-www-form-urlencoded";
    if (!ct || strncasecmp(ct, type, sizeof(type) - 1) != 0)
        return false;
    char next = ct[sizeof(type) - 1];
    return next == '\0' || next == ';' || next == ' ';
}

/* The form fields of a request that Twilio signed; false after answering 415, 400 or 403. */
static bool
crm_webhook_read(crm_req_t *r, crm_form_field **fields, long *n)
{
    if (!crm_webhook_form_type(crm_req_header(r, "Content-Type"))) {
        crm_req_add_header(r, "Accept", "application/x-www-form-urlencoded");
        crm_reply_problem(r, 415, "the request body must be application/x-www-form-urlencoded");
        return false;
    }
    *n = crm_form_parse(r->arena, r->body ? r->body : "", r->body_len, fields);
    if (*n < 0) {
        crm_req_field_error(r, "body", "must be form fields of UTF-8 text (no NUL, %%XX escapes)");
        crm_reply_problem(r, 400, "the form body is malformed");
        return false;
    }
    if (!crm_webhook_auth_token) {
        crm_reply_problem(r, 403, "no signature can be verified: CRM_TWILIO_AUTH_TOKEN is unset");
        return false;
    }
    const char *url = crm_public_url_to(r->arena, r->path);
    if (!crm_twilio_signature_verify(crm_webhook_auth_token, url, *fields, (size_t)*n,
                                     crm_req_header(r, "X-Twilio-Signature"))) {
        crm_reply_problem(r, 403, "X-Twilio-Signature is missing or does not sign this request");
        return false;
    }
    return true;
}

/* Form field name: required, 1..max bytes of text without control characters (and, with
 * alnum, only letters and digits); NULL after recording a fault. */
static const char *
crm_webhook_field(crm_req_t *r, const crm_form_field *f, long n, const char *name, size_t max,
                  bool alnum)
{
    const char *v = crm_form_get(f, n, name);
    if (!v || !v[0]) {
        crm_req_field_error(r, name, "is required");
        return NULL;
    }
    size_t len = strlen(v);
    bool ok = len <= max;
    for (const unsigned char *p = (const unsigned char *)v; ok && *p; p++)
        ok = alnum ? ((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
                   : *p >= 0x20 && *p != 0x7f;
    if (!ok) {
        crm_req_field_error(
            r, name,
            alnum ? "must be 1 to %zu letters and digits" : "must be 1 to %zu bytes of text", max);
        return NULL;
    }
    return v;
}

static size_t
crm_utf8_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

void
crm_webhook_twilio_status(crm_req_t *r)
{
    crm_form_field *f;
    long n;
    if (!crm_webhook_read(r, &f, &n))
        return;
    const char *sid = crm_webhook_field(r, f, n, "MessageSid", CRM_SMS_ID_MAX, true);
    const char *status = crm_webhook_field(r, f, n, "MessageStatus", 32, false);
    for (const char *p = status; p && *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_')) {
            crm_req_field_error(r, "MessageStatus", "must be a status in lower case (delivered)");
            break;
        }
    const char *code = crm_form_get(f, n, "ErrorCode");
    if (code && !code[0])
        code = NULL;
    size_t digits = code ? strspn(code, "0123456789") : 0;
    if (code && (digits == 0 || digits > 10 || code[digits])) {
        crm_req_field_error(r, "ErrorCode", "must be Twilio's error code: 1 to 10 digits");
        code = NULL;
    }
    if (crm_fields_failed(r, "status callback"))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_provider_report, sid, status, code);
    if (crm_tx_run(tx) != 0)
        return;
    if (strcmp(PQgetvalue(crm_tx_result(tx, i), 0, PROVIDER_REPORT_FOUND), "t") != 0)
        crm_info("sms status %s for %s: no message has that id; ignored", status, sid);
    crm_webhook_answer(r, NULL);
}

/* A reply understood: what to record and to answer. */
typedef struct crm_reply {
    const char *tenant_id, *outbox_id, *contact_id, *topic, *notice_hours;
    const char *sid, *from, *to, *body;
    crm_reply_words_t words;
} crm_reply_t;

/* Matches the reply to a tenant; false after answering (nothing matched, seen, or an error). */
static bool
crm_reply_match(crm_req_t *r, crm_reply_t *in)
{
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_reply_match, in->sid, in->from, in->to);
    if (crm_tx_run(tx) != 0)
        return false;
    PGresult *res = crm_tx_result(tx, i);
    if (PQntuples(res) == 0) {
        crm_info("sms reply %s to %s: no active tenant sent a message to its sender from that "
                 "number; ignored",
                 in->sid, in->to);
        crm_webhook_answer(r, NULL);
        return false;
    }
    if (strcmp(PQgetvalue(res, 0, REPLY_MATCH_SEEN), "t") == 0) {
        crm_info("sms reply %s came again; already recorded", in->sid);
        crm_webhook_answer(r, NULL);
        return false;
    }
#define CRM_REPLY_COL(C) (PQgetisnull(res, 0, (C)) ? NULL : PQgetvalue(res, 0, (C)))
    in->tenant_id = CRM_REPLY_COL(REPLY_MATCH_TENANT_ID);
    in->outbox_id = CRM_REPLY_COL(REPLY_MATCH_OUTBOX_ID);
    in->contact_id = CRM_REPLY_COL(REPLY_MATCH_CONTACT_ID);
    in->topic = CRM_REPLY_COL(REPLY_MATCH_TOPIC);
    in->notice_hours = CRM_REPLY_COL(REPLY_MATCH_NOTICE_HOURS);
#undef CRM_REPLY_COL
    r->tenant_id = in->tenant_id; /* from here on, the tenant's identity */
    return true;
}

/* The message kind's part (module.h, reply) for a confirm or cancel word, or NULL. */
static const crm_message_kind_t *
crm_reply_kind(const crm_reply_t *in)
{
    if (in->words.intent != CRM_REPLY_CONFIRM && in->words.intent != CRM_REPLY_CANCEL)
        return NULL;
    const crm_message_kind_t *kind = in->topic ? crm_message_kind_find(in->topic) : NULL;
    return kind && kind->reply && in->outbox_id ? kind : NULL;
}

static const char *
crm_bool(bool b)
{
    return b ? "t" : "f";
}

void
crm_webhook_twilio_inbound(crm_req_t *r)
{
    crm_form_field *f;
    long n;
    if (!crm_webhook_read(r, &f, &n))
        return;
    crm_reply_t in = {0};
    in.sid = crm_webhook_field(r, f, n, "MessageSid", CRM_SMS_ID_MAX, true);
    in.from = crm_webhook_field(r, f, n, "From", CRM_SMS_ID_MAX, false);
    in.to = crm_webhook_field(r, f, n, "To", CRM_SMS_ID_MAX, false);
    in.body = crm_form_get(f, n, "Body");
    if (!in.body)
        crm_req_field_error(r, "Body", "is required (it may be empty)");
    else if (crm_utf8_chars(in.body) > CRM_SMS_BODY_MAX)
        crm_req_field_error(r, "Body", "must be at most %d characters", CRM_SMS_BODY_MAX);
    if (crm_fields_failed(r, "inbound message") || !crm_reply_match(r, &in))
        return;
    in.words = crm_reply_words(in.body);
    const crm_message_kind_t *kind = crm_reply_kind(&in);
    bool opt_out = in.words.intent == CRM_REPLY_OPT_OUT || in.words.provider_opt_out;
    /* what is known before the kind has had its say */
    const char *outcome = NULL;
    bool handled = in.words.intent == CRM_REPLY_OPT_OUT && in.contact_id;
    if (!kind && (in.words.intent == CRM_REPLY_CONFIRM || in.words.intent == CRM_REPLY_CANCEL))
        outcome = "not_applicable";

    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_quiet(tx);
    CRM_TX_ADD0(tx, crm_sql_webhook_actor);
    int rec = CRM_TX_ADD(tx, crm_sql_reply_record, in.contact_id, in.from, in.to, in.body, in.sid,
                         in.outbox_id, crm_reply_intent_name(in.words.intent), outcome,
                         crm_bool(opt_out), NULL, crm_bool(handled));
    if (opt_out && in.contact_id)
        CRM_TX_ADD(tx, crm_sql_reply_opt_out, in.contact_id);
    int act = -1;
    if (kind)
        act = kind->reply(tx, in.outbox_id,
                          in.words.intent == CRM_REPLY_CONFIRM ? "confirm" : "cancel",
                          in.notice_hours);
    if (crm_tx_run(tx) != 0) {
        const char *c = crm_tx_constraint(tx);
        if (crm_db_constraint_is(c, "inbound_messages_tenant_id_provider_id_key")) {
            crm_info("sms reply %s came again while it was being recorded", in.sid);
            crm_webhook_answer(r, NULL);
            return;
        }
        crm_reply_db_error(r, crm_tx_error(tx));
        return;
    }
    PGresult *res = crm_tx_result(tx, rec);
    const char *id = PQgetvalue(res, 0, REPLY_RECORD_ID);
    const char *answer = NULL;
    if (in.words.intent == CRM_REPLY_OPT_OUT && !in.words.provider_opt_out)
        answer = crm_arena_sprintf(r->arena, "You will get no more text messages from %s.",
                                   PQgetvalue(res, 0, REPLY_RECORD_TENANT_NAME));
    if (kind) {
        PGresult *k = crm_tx_result(tx, act);
        int oc = PQfnumber(k, "outcome"), ac = PQfnumber(k, "answer");
        outcome = PQntuples(k) == 1 && oc >= 0 ? PQgetvalue(k, 0, oc) : "not_applicable";
        answer =
            PQntuples(k) == 1 && ac >= 0 && !PQgetisnull(k, 0, ac) ? PQgetvalue(k, 0, ac) : NULL;
        /* done when the whole reply was the word and it did what it asked; CANCEL alone also
         * opted the sender out at Twilio, which reception should know of */
        handled = (!strcmp(outcome, "confirmed") && in.words.alone) ||
                  (!strcmp(outcome, "cancelled") && !in.words.provider_opt_out);
        if (in.words.provider_opt_out)
            answer = NULL; /* Twilio answered it, and would refuse ours */
        /* what was done is committed: the answer goes even if recording it fails (the reply
         * then stays unhandled in the inbox, for someone to look at) */
        crm_tx_t *done = crm_tx_new(r);
        crm_tx_quiet(done);
        CRM_TX_ADD0(done, crm_sql_webhook_actor);
        CRM_TX_ADD(done, crm_sql_reply_outcome, id, outcome, answer, crm_bool(handled));
        if (crm_tx_run(done) != 0)
            crm_warn("sms reply %s: its outcome (%s) could not be recorded", in.sid, outcome);
    }
    crm_webhook_answer(r, answer);
}
