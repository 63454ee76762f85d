/* custom_fields.h - per-tenant custom field definitions and the validation of their values */
#ifndef CRM_CRM_CUSTOM_FIELDS_H
#define CRM_CRM_CUSTOM_FIELDS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/db.h"
#include "core/request.h"

/* One statement giving what validating a record needs: column 0 the tenant's default
 * country, column 1 the JSON array of custom field definitions of the entity ($1). */
extern const crm_stmt_t crm_stmt_entity_context;

/* Checks the record's "custom_fields" object against the definitions (a JSON array text):
 * known names, value types, select options, required fields (on create, or when a PATCH sets
 * one to null). Faults are recorded as custom_fields.<name>. Returns the object to store
 * (a new reference; nulls kept on PATCH so they remove the key), or NULL when absent. */
json_t *crm_custom_fields_check(crm_req_t *r, const char *definitions, bool creating);

/* Checks the body's custom_fields against the entity's definitions (one round trip) and sets
 * *text to what to store (JSON, in the arena; NULL when absent). False when the database
 * could not be asked (the answer is given); faults are recorded for the caller to report. */
bool crm_custom_fields_text(crm_req_t *r, const char *entity, bool creating, const char **text);

#endif
