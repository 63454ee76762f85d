/* message_templates.h - what the message template handlers share: the kind and channel a path
 * names, the channel's fields and their defaults, and the checks of a template's text */
#ifndef CRM_CRM_MESSAGE_TEMPLATES_H
#define CRM_CRM_MESSAGE_TEMPLATES_H

#include <stdbool.h>

#include "core/module.h"
#include "core/http/request.h"

/* The fields of a template on a channel, in the order they are shown. */
enum { CRM_TEMPLATE_SUBJECT, CRM_TEMPLATE_BODY, CRM_TEMPLATE_HTML, CRM_TEMPLATE_FIELDS };
extern const char *const crm_template_field_names[CRM_TEMPLATE_FIELDS];

/* A kind of message on one of its channels. */
typedef struct crm_template_target {
    const crm_message_kind_t *kind;
    const char *channel; /* "sms" or "email" */
    bool email;
} crm_template_target_t;

/* Whether the tenant has the module declaring the kind: the core's kinds always. */
bool crm_template_kind_enabled(crm_req_t *r, const crm_message_kind_t *kind);

/* The kind and channel of the path ({kind}, {channel}): a kind of a module the tenant has,
 * on a channel it has a default wording for. Otherwise replies 404 and returns false. */
bool crm_template_target(crm_req_t *r, crm_template_target_t *t);

/* Whether field (CRM_TEMPLATE_*) belongs to the target's channel: an SMS has only a body. */
bool crm_template_has_field(const crm_template_target_t *t, int field);

/* The default wording the kind's module ships for field. */
const char *crm_template_default(const crm_template_target_t *t, int field);

/* Field (CRM_TEMPLATE_*) of the request body: a string within its bounds (a subject one line
 * of at most 200 characters; an SMS body 1600 characters; an email's text or HTML 64 KiB),
 * and a template using only the kind's variables. NULL when absent (a fault
 * recorded when required) or faulty: a fault per unknown variable, or one for a syntax error,
 * each naming the field. */
const char *crm_template_field(crm_req_t *r, const crm_template_target_t *t, int field,
                               bool required);

#endif
