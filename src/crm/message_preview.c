/* message_preview.c - a message template rendered as it would be sent: the text given or the
 * tenant's own or the default, with the kind's sample or a record's context, and for an SMS
 * its encoding and segments */
#include <jansson.h>
#include <string.h>

#include "core/db/db.h"
#include "core/messaging/sms_segments.h"
#include "core/messaging/template.h"
#include "core/util/buf.h"
#include "core/http/validate.h"
#include "crm/handlers.h"
#include "crm/message_templates.h"
#include "crm_message_templates_sql.h"

static void
crm_preview_json_free(void *p)
{
    json_decref(p);
}

/* The context JSON text, loaded; lives as long as the request. NULL when it is not an object
 * (a module's fault). */
static json_t *
crm_preview_context(crm_req_t *r, const char *text)
{
    json_t *c = json_loads(text, 0, NULL);
    if (!c)
        return NULL;
    crm_arena_cleanup(r->arena, crm_preview_json_free, c);
    return json_is_object(c) ? c : NULL;
}

/* POST {"subject"?, "body"?, "html"?, "subject_id"?} (or no body): each template field given
 * is checked as PUT checks it and previewed instead of the tenant's own (or the default);
 * subject_id names a record of the tenant whose context replaces the kind's sample. */
void
crm_message_templates_preview(crm_req_t *r)
{
    crm_template_target_t t;
    if (!crm_template_target(r, &t))
        return;
    static const char *const sms_fields[] = {"body", "subject_id", NULL};
    static const char *const email_fields[] = {"subject", "body", "html", "subject_id", NULL};
    if (r->json && !crm_body_fields(r, t.email ? email_fields : sms_fields))
        return;
    const char *text[CRM_TEMPLATE_FIELDS] = {NULL};
    bool stored = false; /* a field is left to the tenant's own or the default */
    for (int f = 0; f < CRM_TEMPLATE_FIELDS; f++) {
        if (!crm_template_has_field(&t, f))
            continue;
        if (r->json)
            text[f] = crm_template_field(r, &t, f, false);
        stored = stored || !text[f];
    }
    const char *subject_id = r->json ? crm_field_uuid(r, "subject_id", false) : NULL;
    if (subject_id && !t.kind->preview_context) {
        crm_req_field_error(r, "subject_id", "%s messages are previewed with their sample only",
                            t.kind->name);
        subject_id = NULL;
    }
    if (crm_fields_failed(r, "the preview is not valid"))
        return;

    crm_tx_t *tx = crm_tx_new(r);
    int own = stored ? CRM_TX_ADD(tx, crm_sql_message_template_get, t.kind->name, t.channel) : -1;
    int record =
        subject_id ? crm_tx_add(tx, t.kind->preview_context, 1, (const char *[]){subject_id}) : -1;
    if (crm_tx_run(tx) != 0)
        return;
    const char *context_text = t.kind->sample ? t.kind->sample : "{}";
    if (record >= 0) {
        PGresult *res = crm_tx_result(tx, record);
        if (PQntuples(res) != 1) {
            crm_req_field_error(r, "subject_id",
                                "is not a record of this tenant that %s "
                                "messages are about",
                                t.kind->name);
            crm_reply_problem(r, 422, "the preview is not valid");
            return;
        }
        context_text = PQgetvalue(res, 0, CRM_MESSAGE_PREVIEW_CONTEXT);
    }
    json_t *context = crm_preview_context(r, context_text);
    if (!context) {
        crm_reply_problem(r, 500, "the context of %s messages is not a JSON object", t.kind->name);
        return;
    }
    if (own >= 0 && PQntuples(crm_tx_result(tx, own)) == 1) {
        static const int cols[CRM_TEMPLATE_FIELDS] = {
            MESSAGE_TEMPLATE_GET_SUBJECT, MESSAGE_TEMPLATE_GET_BODY, MESSAGE_TEMPLATE_GET_HTML};
        for (int f = 0; f < CRM_TEMPLATE_FIELDS; f++)
            if (crm_template_has_field(&t, f) && !text[f])
                text[f] = PQgetvalue(crm_tx_result(tx, own), 0, cols[f]);
    }

    json_t *out = json_pack("{ss ss}", "kind", t.kind->name, "channel", t.channel);
    crm_arena_cleanup(r->arena, crm_preview_json_free, out);
    for (int f = 0; f < CRM_TEMPLATE_FIELDS; f++) {
        if (!crm_template_has_field(&t, f))
            continue;
        const char *src = text[f] ? text[f] : crm_template_default(&t, f);
        crm_buf_t b;
        crm_buf_init(&b, r->arena, strlen(src) + 256);
        crm_template_error err;
        if (crm_template_render(src, strlen(src), context, f == CRM_TEMPLATE_HTML, &b, &err) != 0) {
            crm_reply_problem(r, 500, "the %s of %s messages cannot be rendered: %s",
                              crm_template_field_names[f], t.kind->name, err.message);
            return;
        }
        json_object_set_new(out, crm_template_field_names[f], json_stringn(b.data, b.len));
        crm_sms_length len;
        if (!t.email && crm_sms_measure(b.data, b.len, &len) == 0)
            json_object_set_new(out, "sms",
                                json_pack("{ss sI sI}", "encoding",
                                          crm_sms_encoding_name(len.encoding), "characters",
                                          (json_int_t)len.units, "segments",
                                          (json_int_t)len.segments));
    }
    crm_reply_json(r, 200, json_incref(out));
}
