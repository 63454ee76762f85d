/* template.h - message templates: {{variable}} substitution, checked, never executed */
#ifndef CRM_MESSAGING_TEMPLATE_H
#define CRM_MESSAGING_TEMPLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/util/buf.h"

/* The syntax: text with variables `{{name}}` or `{{ name }}`, a name being dot-separated words
 * of lower-case letters, digits and underscores ("contact.first_name"). There is nothing else:
 * no conditions, loops or calls, and a value is inserted as it is, never read as a template
 * itself. "{{" that does not open a well-formed variable is an error, so a typo is caught when
 * the template is saved rather than sent. */

enum { CRM_TEMPLATE_MAX_NAME = 64 };

typedef struct crm_template_error {
    size_t offset;                        /* byte offset of the "{{" at fault */
    char name[CRM_TEMPLATE_MAX_NAME + 1]; /* the unknown variable, or "" for a syntax error */
    char message[128];
} crm_template_error;

/* Checks template text (len bytes) against the allowed variable names (NULL-terminated). Calls
 * unknown(name, ctx) once for every distinct unknown name, in order of first appearance, and
 * returns their number; -1 on a syntax error (described in *err), which stops the check. */
int crm_template_check(const char *text, size_t len, const char *const *allowed,
                       void (*unknown)(const char *name, void *ctx), void *ctx,
                       crm_template_error *err);

/* Appends text with every variable replaced by its value in context: the JSON object path
 * named by the variable ("contact.first_name" is context.contact.first_name). A string goes as
 * it is, a number or boolean as its JSON text, anything else (missing, null, an object) as
 * nothing. With html, values are escaped for HTML text and attributes (& < > " '). Returns 0,
 * or -1 on a syntax error (the template was not checked), leaving out partial output. */
int crm_template_render(const char *text, size_t len, const json_t *context, bool html,
                        crm_buf_t *out, crm_template_error *err);

#endif
