/* custom_fields.h - per-tenant custom field definitions and the validation of their values */
#ifndef CRM_CRM_CUSTOM_FIELDS_H
#define CRM_CRM_CUSTOM_FIELDS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/db/db.h"
#include "core/http/request.h"
#include "crm_custom_fields_sql.h"

/* custom_fields.sql's fragments :entity_defs, :entity_context_check and
 * :entity_context_columns check a write against the remembered context. */

/* The context records of an entity are validated against: the tenant's default country and
 * the custom field definitions (JSON text). Remembered per worker thread and tenant, so a
 * write whose statement checks it with :entity_context_check costs one round trip; read
 * from the database (one transaction, remembered again) when not remembered or when fresh.
 * Sets *cached when it was remembered. The strings are in the arena. False when the database
 * could not be asked (the answer is given). */
bool crm_entity_context(crm_req_t *r, const char *entity, bool fresh, const char **country,
                        const char **defs, bool *cached);
/* Remembers the context a write statement found current (after a stale check). */
void crm_entity_context_remember(crm_req_t *r, const char *entity, const char *country,
                                 const char *defs);

/* What a write statement with :entity_context_check found, from its :entity_context_columns
 * (ok, country, defs) starting at column col of its row (an idempotent replay is the caller's
 * to notice first). */
enum { CRM_CONTEXT_OK, CRM_CONTEXT_COUNTRY, CRM_CONTEXT_DEFS };
typedef enum crm_context_state {
    CRM_CONTEXT_CURRENT, /* the context held: the statement did its work */
    CRM_CONTEXT_STALE,   /* nothing written: the current context is now remembered;
                            validate the body again and retry */
    CRM_CONTEXT_GAVE_UP  /* stale at the third attempt: 503 answered (500 without a row) */
} crm_context_state_t;
crm_context_state_t crm_entity_context_after(crm_req_t *r, const char *entity, PGresult *res,
                                             int col, int attempt);

/* Checks the body's custom_fields against the entity's definitions as remembered (once more
 * against the database's when that finds faults) and sets *text to what to store (JSON in the
 * arena; NULL when absent), *country and *defs to the context for the statement's
 * :entity_context_check. Faults are recorded for the caller to report. False when the
 * database could not be asked (the answer is given). */
bool crm_custom_fields_remembered(crm_req_t *r, const char *entity, bool creating,
                                  const char **country, const char **defs, const char **text);

/* Checks the record's "custom_fields" object against the definitions (a JSON array text):
 * known names, value types, select options, required fields (on create, or when a PATCH sets
 * one to null). Faults are recorded as custom_fields.<name>. Returns the object to store
 * (a new reference; nulls kept on PATCH so they remove the key), or NULL when absent. */
json_t *crm_custom_fields_check(crm_req_t *r, const char *definitions, bool creating);

#endif
