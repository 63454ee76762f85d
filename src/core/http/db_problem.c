/* db_problem.c - the answer to a failed transaction: a problem+json mapped from the error */
#include "core/http/db_problem.h"

#include "core/http/sqlstate.h"

void
crm_reply_db_error(crm_req_t *r, const crm_db_error_t *e)
{
    if (e->kind == CRM_DB_UNAVAILABLE) {
        crm_req_add_header(r, "Retry-After", "1");
        crm_reply_problem(r, 503, "the database is unavailable; retry shortly");
        return;
    }
    const crm_sqlstate_map_t *m = crm_sqlstate_lookup(e->sqlstate);
    if (m->status == 503)
        crm_req_add_header(r, "Retry-After", "1");
    if (e->column && m->status == 422)
        crm_req_field_error(r, e->column, "%s", m->detail);
    crm_reply_problem(r, m->status, "%s", m->detail);
}
