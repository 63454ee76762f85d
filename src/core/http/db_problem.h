/* db_problem.h - the answer to a failed transaction: a problem+json mapped from the error */
#ifndef CRM_CORE_DB_PROBLEM_H
#define CRM_CORE_DB_PROBLEM_H

#include "core/db/db.h"

/* Replies the problem for e: 503 with Retry-After when the database is unavailable, else the
 * SQLSTATE table's status and detail (naming the column when the database did). Given to
 * crm_db_init as its answer. */
void crm_reply_db_error(crm_req_t *r, const crm_db_error_t *e);

#endif
