/* openapi.h - the OpenAPI 3.1 document: the core's base merged with every module's fragment */
#ifndef CRM_CORE_OPENAPI_H
#define CRM_CORE_OPENAPI_H

#include <jansson.h>
#include <stddef.h>

#include "core/http/router.h"

/* Builds the document once at start-up; -1 with a message on a malformed or clashing fragment. */
int crm_openapi_build(char *err, size_t errlen);
void crm_openapi_free(void);
/* The built document: text, its length and a strong ETag. */
const char *crm_openapi_text(size_t *len);
const char *crm_openapi_etag(void);
const json_t *crm_openapi_json(void);

/* Holds the document against the routes: every route must be documented, every documented
 * operation served. Writes each mismatch as a line into err; returns how many there are. */
int crm_openapi_check(const json_t *doc, const crm_router_t *rt, char *err, size_t errlen);

#endif
