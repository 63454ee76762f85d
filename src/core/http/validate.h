/* validate.h - reading fields of a JSON request body, recording a problem for each bad one */
#ifndef CRM_CORE_VALIDATE_H
#define CRM_CORE_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/http/request.h"

/* The body is a JSON object with no field outside known (NULL-terminated); otherwise the
 * faults are recorded (a body that is not an object answers 422 at once and returns false). */
bool crm_body_fields(crm_req_t *r, const char *const *known);
/* A string field, trimmed of nothing, 1..max_len bytes; NULL (and a recorded fault when
 * required, or when present but not such a string). */
const char *crm_field_string(crm_req_t *r, const char *name, bool required, size_t max_len);
/* Body field name as a string of any length (*len bytes; empty included), for a caller that
 * bounds it its own way; NULL when absent or null (a field error when required) or not a
 * string (a field error). */
const char *crm_field_text(crm_req_t *r, const char *name, bool required, size_t *len);
/* A boolean field: its value, or dflt when absent (a non-boolean records a fault). */
bool crm_field_bool(crm_req_t *r, const char *name, bool dflt);
/* Field present in the body (even null)? */
bool crm_field_present(crm_req_t *r, const char *name);
/* Field present with the value null (a PATCH clearing it). */
bool crm_field_is_null(crm_req_t *r, const char *name);
/* A string field that must be one of allowed (NULL-terminated). */
const char *crm_field_enum(crm_req_t *r, const char *name, const char *const *allowed,
                           bool required);
/* A string field holding a UUID. */
const char *crm_field_uuid(crm_req_t *r, const char *name, bool required);
/* A string field holding a calendar date, YYYY-MM-DD, from 1900 to today. */
const char *crm_field_date(crm_req_t *r, const char *name, bool required);
/* A string field holding an email address (one @, a dotted domain, no spaces). */
const char *crm_field_email(crm_req_t *r, const char *name, bool required);
/* A string field holding an RFC 3339 time with its offset: 2026-11-27T09:30:00+01:00 (an
 * offset of at most 15:59 either way). */
const char *crm_field_time(crm_req_t *r, const char *name, bool required);
bool crm_valid_time(const char *s);
bool crm_valid_date(const char *s, bool not_future);
bool crm_valid_email(const char *s);

/* Replies 422 listing the recorded faults, if any; true when it did. */
bool crm_fields_failed(crm_req_t *r, const char *what);

#endif
