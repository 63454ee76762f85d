/* twilio_signature.h - Twilio's X-Twilio-Signature of a webhook request: computed and verified.
 *
 * As Twilio documents it: the full URL Twilio called (scheme, host, path and query string, as
 * configured), then each POST parameter's name immediately followed by its value, the
 * parameters sorted by name (a name sent several times: each of its values, in sorted order);
 * HMAC-SHA1 of that string keyed by the account's auth token, in base64. Names and values are
 * the decoded form fields (crm_form_parse), compared byte by byte (Unicode code point order for
 * UTF-8). */
#ifndef CRM_MESSAGING_TWILIO_SIGNATURE_H
#define CRM_MESSAGING_TWILIO_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/messaging/form.h"

/* base64 of a 20-byte SHA-1 MAC is 28 characters; with its NUL, 29. */
#define CRM_TWILIO_SIGNATURE_SIZE 29

/* Writes the signature of url and the n params (in any order) into out. Returns 0, or -1 when
 * the MAC could not be computed (out is then ""). */
int crm_twilio_signature(const char *auth_token, const char *url, const crm_form_field *params,
                         size_t n, char out[CRM_TWILIO_SIGNATURE_SIZE]);

/* Whether header (the X-Twilio-Signature value; NULL when absent) is the signature of url and
 * params, compared in constant time. */
bool crm_twilio_signature_verify(const char *auth_token, const char *url,
                                 const crm_form_field *params, size_t n, const char *header);

#endif
