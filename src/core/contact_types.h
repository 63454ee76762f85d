/* contact_types.h - the contact types modules declare: lookups, messages and the table's sync */
#ifndef CRM_CORE_CONTACT_TYPES_H
#define CRM_CORE_CONTACT_TYPES_H

#include <libpq-fe.h>
#include <stddef.h>

#include "core/module.h"

/* At most this many contact types across all modules. */
#define CRM_CONTACT_TYPES_MAX 32

/* Collects every module's contact types (in the modules' order); refuses a name declared
 * twice, a name or plural that is not snake_case, and more than CRM_CONTACT_TYPES_MAX. Done
 * once, the first call's answer kept; every other function calls it first. */
int crm_contact_types_load(char *err, size_t errlen);

/* The declared type of this name, or NULL. */
const crm_contact_type_t *crm_contact_type_find(const char *name);
/* The declared names, NULL-terminated (for crm_field_enum). */
const char *const *crm_contact_type_names(void);
/* The declared names for a message: "lead, customer or ..." in declaration order. */
const char *crm_contact_types_text(void);
/* How many are declared, and the i-th. */
size_t crm_contact_type_count(void);
const crm_contact_type_t *crm_contact_type_at(size_t i);

/* Makes the contact_types table hold every declared type with its module and rules (as the
 * schema owner, after the migrations). A type no longer declared stays: contacts may hold it. */
int crm_contact_types_sync(PGconn *conn, char *err, size_t errlen);

#endif
