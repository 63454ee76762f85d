/* contacts.h - what contacts.c shares with search, merge, and the CSV import and export */
#ifndef CRM_CRM_CONTACTS_H
#define CRM_CRM_CONTACTS_H

#include <jansson.h>

#include "core/http/request.h"

/* SQL: the names of the sensitive (sticky) contact types as a text[], from contact_types (core
 * migration 0022; `crm migrate` keeps it equal to the modules' declarations). Uncorrelated, so
 * a statement computes it once (an InitPlan), not per row. */
#define CRM_SENSITIVE_TYPES "ARRAY(SELECT t.name FROM contact_types t WHERE t.sensitive)"
#define CRM_STICKY_TYPES    "ARRAY(SELECT t.name FROM contact_types t WHERE t.sticky)"

/* The contact fields a body may hold (NULL-terminated). */
extern const char *const crm_contact_fields[];

/* Validates row (a JSON object of contact fields) as POST /contacts does, with the tenant's
 * default country and custom field definitions; faults are appended to r->errors. Returns
 * the normalised values (a new object) or NULL when the row has faults. */
json_t *crm_contact_import_row(crm_req_t *r, json_t *row, const char *country, const char *defs);

#endif
