/* contacts.h - what contacts.c shares with the CSV import: the fields and a row's validation */
#ifndef CRM_CRM_CONTACTS_H
#define CRM_CRM_CONTACTS_H

#include <jansson.h>

#include "core/http/request.h"

/* The contact fields a body may hold (NULL-terminated). */
extern const char *const crm_contact_fields[];

/* Validates row (a JSON object of contact fields) as POST /contacts does, with the tenant's
 * default country and custom field definitions; faults are appended to r->errors. Returns
 * the normalised values (a new object) or NULL when the row has faults. */
json_t *crm_contact_import_row(crm_req_t *r, json_t *row, const char *country, const char *defs);

#endif
