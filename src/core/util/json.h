/* json.h - strict decoding of request bodies: UTF-8 validation and JSON parsing with positions */
#ifndef CRM_CORE_JSON_H
#define CRM_CORE_JSON_H

#include <jansson.h>
#include <stddef.h>

#define CRM_UTF8_VALID ((size_t)-1)

/* Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or CRM_UTF8_VALID. */
size_t crm_utf8_check(const char *s, size_t len);

typedef struct crm_json_error {
    size_t position; /* byte offset */
    int line, column;
    char message[160];
} crm_json_error_t;

/* Parses a request body: valid UTF-8, one JSON value, no duplicate keys. NULL on error. */
json_t *crm_json_parse(const char *s, size_t len, crm_json_error_t *err);

#endif
