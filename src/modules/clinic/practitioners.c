/* practitioners.c - the tenant's active practitioners with their colours: the diary's columns,
 * for every role that reads appointments (the users list needs users.manage) */
#include "core/db/db.h"
#include "core/http/request.h"
#include "modules/clinic/clinic.h"
#include "clinic_practitioners_sql.h"

void
clinic_practitioners_list(crm_req_t *r)
{
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD0(tx, clinic_sql_practitioners_list);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    crm_reply(r, 200, "application/json", PQgetvalue(res, 0, CLINIC_PRACTITIONERS_LIST_BODY),
              (size_t)PQgetlength(res, 0, CLINIC_PRACTITIONERS_LIST_BODY));
}
