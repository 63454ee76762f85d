/* worker_compose.c - words one claimed outbox row: the tenant's template or the kind's default,
 * rendered with the row's context, with its recipient and sender */
#include "core/messaging/worker_compose.h"

#include <stdlib.h>
#include <string.h>

#include "core/messaging/template.h"
#include "core/util/buf.h"

/* The tenant's template of kind on channel, or NULL. */
static const json_t *
compose_tenant_template(const crm_worker_tenant *t, const char *kind, const char *channel)
{
    size_t i;
    const json_t *row;
    json_array_foreach(t->templates, i, row)
    {
        const char *k = json_string_value(json_object_get(row, "kind"));
        const char *c = json_string_value(json_object_get(row, "channel"));
        if (k && c && strcmp(k, kind) == 0 && strcmp(c, channel) == 0)
            return row;
    }
    return NULL;
}

/* A setting's string value, or NULL when absent, null or empty. */
static const char *
compose_setting(const crm_worker_tenant *t, const char *name)
{
    const char *v = json_string_value(json_object_get(t->settings, name));
    return v && *v ? v : NULL;
}

static const char *
compose_dup(crm_arena_t *a, const char *s)
{
    return s ? crm_arena_strdup(a, s) : NULL;
}

/* text rendered with context into the arena; NULL with out->reason set on a template error. */
static const char *
compose_render(crm_arena_t *a, const char *text, const json_t *context, bool html,
               crm_worker_message *out)
{
    if (!text)
        return NULL;
    crm_buf_t b;
    crm_buf_init(&b, a, strlen(text) + 64);
    crm_template_error err;
    if (crm_template_render(text, strlen(text), context, html, &b, &err) != 0) {
        out->reason = crm_arena_sprintf(a, "its template cannot be read: %s", err.message);
        return NULL;
    }
    return b.data;
}

static void
compose_free_ics(void *ics)
{
    free(ics);
}

void
crm_worker_compose(crm_arena_t *a, const crm_message_kind_t *kind, const char *topic,
                   const char *channel, const crm_worker_tenant *t, const json_t *context,
                   const char *reason, crm_worker_message *out)
{
    memset(out, 0, sizeof(*out));
    out->channel = channel;
    out->reason = reason;
    if (!out->reason && !kind)
        out->reason = crm_arena_sprintf(a, "no module sends %s messages", topic);
    if (out->reason)
        return;
    const json_t *enabled =
        json_object_get(json_object_get(t->settings, "messages_enabled"), kind->name);
    if (json_is_false(enabled) || (kind->off_by_default && !json_is_true(enabled))) {
        out->reason = crm_arena_sprintf(a, "the tenant switched %s messages off", kind->name);
        return;
    }
    out->recipient = compose_dup(a, json_string_value(json_object_get(context, "to")));
    if (!out->recipient || !*out->recipient) {
        out->reason = "there is no one to send it to";
        return;
    }
    const json_t *own = compose_tenant_template(t, kind->name, channel);
    if (strcmp(channel, "sms") == 0) {
        const char *body = own ? json_string_value(json_object_get(own, "body")) : kind->sms;
        if (!body) {
            out->reason = crm_arena_sprintf(a, "%s messages are not sent by SMS", kind->name);
            return;
        }
        /* the tenant's own sender only when the platform assigned it (settings.sms_senders):
         * a number is also where replies come back */
        const char *own_sender = compose_setting(t, "sms_sender");
        bool assigned = false;
        size_t i;
        const json_t *s;
        json_array_foreach(json_object_get(t->settings, "sms_senders"), i, s) assigned =
            assigned ||
            (own_sender && json_is_string(s) && strcmp(json_string_value(s), own_sender) == 0);
        out->sender = assigned ? compose_dup(a, own_sender) : t->sms_from;
        out->text = compose_render(a, body, context, false, out);
        return;
    }
    const char *subject =
        own ? json_string_value(json_object_get(own, "subject")) : kind->email_subject;
    const char *text = own ? json_string_value(json_object_get(own, "body")) : kind->email_text;
    const char *html = own ? json_string_value(json_object_get(own, "html")) : kind->email_html;
    if (!subject || !text) {
        out->reason = crm_arena_sprintf(a, "%s messages are not sent by email", kind->name);
        return;
    }
    out->sender = t->email_from;
    out->from_name = compose_dup(a, compose_setting(t, "email_from_name"));
    if (!out->from_name)
        out->from_name = compose_dup(a, t->name);
    out->reply_to = compose_dup(a, compose_setting(t, "email_reply_to"));
    out->subject = compose_render(a, subject, context, false, out);
    out->text = compose_render(a, text, context, false, out);
    out->html = compose_render(a, html, context, true, out);
    if (out->reason)
        return;
    if (kind->invitation && kind->invitation(context, &out->ics, &out->ics_method) == 0 && out->ics)
        crm_arena_cleanup(a, compose_free_ics, out->ics);
    else
        out->ics = NULL;
}
