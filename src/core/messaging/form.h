/* form.h - application/x-www-form-urlencoded bodies (Twilio's webhooks) as name/value pairs */
#ifndef CRM_MESSAGING_FORM_H
#define CRM_MESSAGING_FORM_H

#include <stddef.h>

#include "core/util/arena.h"

typedef struct {
    const char *name;  /* decoded, NUL-terminated */
    const char *value; /* decoded, NUL-terminated; "" for a name without '=' */
} crm_form_field;

/* Decodes body (len bytes, no NUL needed) into *fields, in the order sent, everything
 * allocated from a: '&' separates fields, the first '=' a name from its value, '+' is a space
 * and %XX a byte; empty pieces ("a=1&&b=2", a trailing '&') are skipped. Returns the number of
 * fields, or -1 when the body is malformed: a '%' without two hex digits after it, a decoded
 * NUL, or a name or value that is not well-formed UTF-8. */
long crm_form_parse(crm_arena_t *a, const char *body, size_t len, crm_form_field **fields);

/* The value of the first field named name, or NULL. */
const char *crm_form_get(const crm_form_field *fields, long n, const char *name);

#endif
