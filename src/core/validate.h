/* validate.h - reading fields of a JSON request body, recording a problem for each bad one */
#ifndef CRM_CORE_VALIDATE_H
#define CRM_CORE_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/request.h"

/* The body is a JSON object with no field outside known (NULL-terminated); otherwise the
 * faults are recorded (a body that is not an object answers 422 at once and returns false). */
bool crm_body_fields(crm_req_t *r, const char *const *known);
/* A string field, trimmed of nothing, 1..max_len bytes; NULL (and a recorded fault when
 * required, or when present but not such a string). */
const char *crm_field_string(crm_req_t *r, const char *name, bool required, size_t max_len);
/* A boolean field: its value, or dflt when absent (a non-boolean records a fault). */
bool crm_field_bool(crm_req_t *r, const char *name, bool dflt);
/* Field present in the body (even null)? */
bool crm_field_present(crm_req_t *r, const char *name);
/* Replies 422 listing the recorded faults, if any; true when it did. */
bool crm_fields_failed(crm_req_t *r, const char *what);

#endif
