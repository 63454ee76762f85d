/* worker_compose.h - words one claimed outbox row: the tenant's template or the kind's default,
 * rendered with the row's context, with its recipient and sender */
#ifndef CRM_MESSAGING_WORKER_COMPOSE_H
#define CRM_MESSAGING_WORKER_COMPOSE_H

#include <jansson.h>

#include "core/module.h"
#include "core/util/arena.h"

/* What the worker knows of a tenant while wording its rows. */
typedef struct crm_worker_tenant {
    const char *name;        /* the tenant's name: the emails' sender name by default */
    const json_t *settings;  /* tenants.settings */
    const json_t *templates; /* its own templates: [{kind, channel, subject, body, html}] */
    const char *sms_from;    /* the platform's default SMS sender (CRM_SMS_FROM), or NULL */
    const char *email_from;  /* the platform's sender address (CRM_SMTP_FROM) */
} crm_worker_tenant;

/* One message, worded. Its strings live in the arena given to crm_worker_compose (or are the
 * crm_worker_tenant's platform settings). */
typedef struct crm_worker_message {
    const char *channel;   /* "sms" or "email" */
    const char *reason;    /* not NULL: it is not sent, and the row is cancelled with this */
    const char *recipient; /* the address or number */
    const char *sender;    /* the SMS sender, or the email's From address */
    const char *from_name; /* email: the sender's display name */
    const char *reply_to;  /* email: Reply-To, or NULL */
    const char *subject;   /* email */
    const char *text;      /* the SMS, or the email's plain text */
    const char *html;      /* email */
    char *ics;             /* email: an invitation (malloc'd, freed by the arena), or NULL */
    const char *ics_method;
} crm_worker_message;

/* Words a row of kind (NULL: no module declares its topic) on channel for tenant t from its
 * context (the kind's context statement's JSON) and reason (NULL: it still applies). Always
 * fills out; out->reason says why it will not be sent. */
void crm_worker_compose(crm_arena_t *a, const crm_message_kind_t *kind, const char *topic,
                        const char *channel, const crm_worker_tenant *t, const json_t *context,
                        const char *reason, crm_worker_message *out);

#endif
