/* records.h - what every tenant record's routes share: read by id, ETag and If-Match, soft
 * delete and restore, and the SQL that goes with them */
#ifndef CRM_CRM_RECORDS_H
#define CRM_CRM_RECORDS_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "core/db/db.h"
#include "core/http/request.h"

/* The rows the shared readers below take, by position: a statement that feeds one names its
 * columns so (-- returns:, docs/sql.md) and states it with the CRM_..._ROW macro, which fails
 * to compile when a column is elsewhere. Record: the JSON and the version (the ETag). */
enum { CRM_RECORD_JSON, CRM_RECORD_VERSION };
#define CRM_RECORD_ROW(S)                                                                          \
    CRM_SQL_COLUMN_AT(S##_J, CRM_RECORD_JSON);                                                     \
    CRM_SQL_COLUMN_AT(S##_VERSION, CRM_RECORD_VERSION)
/* A page for crm_reply_page: the item's JSON, its sort key and its id. */
enum { CRM_PAGE_JSON, CRM_PAGE_KEY, CRM_PAGE_ID };
#define CRM_PAGE_ROW(S)                                                                            \
    CRM_SQL_COLUMN_AT(S##_J, CRM_PAGE_JSON);                                                       \
    CRM_SQL_COLUMN_AT(S##_K, CRM_PAGE_KEY);                                                        \
    CRM_SQL_COLUMN_AT(S##_ID, CRM_PAGE_ID)
/* A create for crm_record_create: the record, its id, :idem_columns, :entity_context_columns. */
enum {
    CRM_CREATE_ID = CRM_RECORD_VERSION + 1,
    CRM_CREATE_PRIOR,
    CRM_CREATE_CONTEXT = CRM_CREATE_PRIOR + 3
};
#define CRM_CREATE_ROW(S)                                                                          \
    CRM_RECORD_ROW(S);                                                                             \
    CRM_SQL_COLUMN_AT(S##_ID, CRM_CREATE_ID);                                                      \
    CRM_SQL_COLUMN_AT(S##_REQUEST_HASH, CRM_CREATE_PRIOR);                                         \
    CRM_SQL_COLUMN_AT(S##_OK, CRM_CREATE_CONTEXT)
/* A change for crm_record_patch: the record (null when nothing changed), :entity_context_columns.
 */
enum { CRM_PATCH_CONTEXT = CRM_RECORD_VERSION + 1 };
#define CRM_PATCH_ROW(S)                                                                           \
    CRM_RECORD_ROW(S);                                                                             \
    CRM_SQL_COLUMN_AT(S##_OK, CRM_PATCH_CONTEXT)
/* A soft delete (:record_delete, records.sql) for crm_record_delete: the rows deleted and the
 * live version. */
enum { CRM_DELETE_DELETED, CRM_DELETE_VERSION };
#define CRM_DELETE_ROW(S)                                                                          \
    CRM_SQL_COLUMN_AT(S##_DELETED, CRM_DELETE_DELETED);                                            \
    CRM_SQL_COLUMN_AT(S##_VERSION, CRM_DELETE_VERSION)

/* Replies row 0 of res: the record's JSON and its version (the ETag): CRM_RECORD_ROW. */
void crm_reply_record(crm_req_t *r, int status, PGresult *res);
/* {id} of the path when it is a UUID; otherwise replies 404 ("no such <what>") and NULL. */
const char *crm_record_id(crm_req_t *r, const char *what);
/* A version no record has: what a malformed If-Match names. */
#define CRM_RECORD_VERSION_NONE "-1"
/* The version named by If-Match ("3", W/"3"). When the header is missing or "*": 428 if
 * required, else *version = NULL (the record need only exist). A malformed one names
 * CRM_RECORD_VERSION_NONE, so that the change answers 404 for a record that does not exist and 412
 * for one that does. False after replying. */
bool crm_record_if_match(crm_req_t *r, bool required, const char **version);

/* A constraint of the database and the input field its violation is about. */
typedef struct crm_constraint_field {
    const char *constraint;
    const char *field;
    const char *message;
} crm_constraint_field_t;

/* After a failed write: a taken Idempotency-Key (409), or a violated constraint of map (422
 * naming the field, "the <what> is not valid"). True when it answered. */
bool crm_record_constraint_fault(crm_req_t *r, crm_tx_t *tx, const crm_constraint_field_t *map,
                                 size_t n, const char *what);

struct crm_idem;
/* POST of a record belonging to a contact, with custom fields of entity, in one round trip:
 * they are validated (into values[custom]) against the tenant's remembered context, and the
 * last two of the nvalues parameters of insert are that context's country and defs (set
 * here). insert's row is CRM_CREATE_ROW.
 * Answers the earlier answer again (Idempotency-Key), 422 naming contact_id when nothing was
 * inserted (the contact is not a live one of the tenant) or a violated constraint of map,
 * else 201 with Location under collection ("/api/v1/deals"); validates again and retries
 * when the context changed. */
void crm_record_create(crm_req_t *r, const char *entity, const char *collection,
                       const crm_stmt_t *insert, const char **values, int nvalues, int custom,
                       const struct crm_idem *idem, const crm_constraint_field_t *map, size_t nmap);

/* PATCH {id} of a record with custom fields of entity, in one round trip: they are validated
 * (into values[custom]) against the tenant's remembered context, and the last two of the
 * nvalues parameters of update are that context's country and defs (set here). update's row
 * is CRM_PATCH_ROW; version ($1 = values[0]) gives the record's current
 * version. Answers 200 with the record, 412, 404, 422 (faults of map), or validates again
 * and retries when the context changed. */
void crm_record_patch(crm_req_t *r, const char *entity, const crm_stmt_t *update,
                      const crm_stmt_t *version, const char **values, int nvalues, int custom,
                      const crm_constraint_field_t *map, size_t nmap);

/* The fields of fields (NULL-terminated) present in the body, as a text[] literal, for the
 * "CASE WHEN 'name' = ANY($n::text[])" of PATCH statements (null clears, absent keeps). */
const char *crm_record_patch_mask(crm_req_t *r, const char *const *fields);

/* GET {id}: stmt takes $1 = id and returns a CRM_RECORD_ROW of a live record; audit, if not
 * NULL, takes the same $1 and records the read in the audit log in the same transaction. */
void crm_record_get(crm_req_t *r, const crm_stmt_t *stmt, const char *what,
                    const crm_stmt_t *audit);
/* DELETE {id} with a CRM_DELETE_ROW statement (:record_delete): 204, 412 or 404. */
void crm_record_delete(crm_req_t *r, const crm_stmt_t *stmt, const char *what);
/* POST {id}/restore with a CRM_RECORD_ROW statement (:record_restore): 200 with the record,
 * or 404. */
void crm_record_restore(crm_req_t *r, const crm_stmt_t *stmt, const char *what);

#endif
