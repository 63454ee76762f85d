/* user_fields.h - the modules' fields of a user: read from bodies, written and shown with it */
#ifndef CRM_CRM_USER_FIELDS_H
#define CRM_CRM_USER_FIELDS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/db/db.h"

#define CRM_USER_FIELDS_MAX 16

/* The modules' field values of one body, in declaration order: "t", "f" or NULL (not given). */
typedef struct crm_user_fields {
    const char *values[CRM_USER_FIELDS_MAX];
} crm_user_fields_t;

/* Checks the modules' declarations once at start-up: at most CRM_USER_FIELDS_MAX fields, each
 * with its write and read statements; -1 with a message otherwise. */
int crm_user_fields_init(char *err, size_t errlen);
/* The body fields a user route accepts: core (NULL-terminated) followed by the modules'. */
const char *const *crm_user_fields_known(crm_req_t *r, const char *const *core);
/* Reads the modules' fields from r's body, recording a field error for a non-boolean; a
 * field not given is NULL, or "f" when dflt_false (a new user). */
void crm_user_fields_parse(crm_req_t *r, crm_user_fields_t *f, bool dflt_false);
/* Queues each module's write of f for user id (after the core's statement writing it). */
void crm_user_fields_write(crm_tx_t *tx, const char *id, const crm_user_fields_t *f);
/* The rows of a module's read statement, by position: the user's id and the JSON object of
 * its fields. The statement names them so (-- returns: id, fields) and states it with
 * CRM_USER_FIELDS_ROW, which fails to compile when a column is elsewhere. */
enum { CRM_USER_FIELDS_ID, CRM_USER_FIELDS_JSON };
#define CRM_USER_FIELDS_ROW(S)                                                                     \
    CRM_SQL_COLUMN_AT(S##_ID, CRM_USER_FIELDS_ID);                                                 \
    CRM_SQL_COLUMN_AT(S##_FIELDS, CRM_USER_FIELDS_JSON)
/* Queues each module's read for the users ids (a PostgreSQL array literal: "{a,b}"); returns
 * the index of the first, or -1 when no module adds fields. */
int crm_user_fields_read(crm_tx_t *tx, const char *ids);
/* Adds the fields the queued reads found for user id to the object user. */
void crm_user_fields_merge(const crm_tx_t *tx, int first, const char *id, json_t *user);

#endif
