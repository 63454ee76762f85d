/* modules_api.c - the industry modules a tenant has, and turning them on and off (Admin) */
#include <jansson.h>
#include <string.h>

#include "core/db/db.h"
#include "core/module.h"
#include "core/auth/tenant_modules.h"
#include "core/http/validate.h"
#include "crm/handlers.h"
#include "crm_modules_api_sql.h"

void
crm_modules_list(crm_req_t *r)
{
    json_t *data = json_array();
    for (const crm_module_t *const *m = crm_modules + 1; *m; m++)
        json_array_append_new(data, json_pack("{ss ss sb}", "name", (*m)->name, "description",
                                              (*m)->description ? (*m)->description : "", "enabled",
                                              crm_tenant_module_enabled(r->tenant_id, (*m)->name)));
    crm_reply_json(r, 200, json_pack("{so}", "data", data));
}

/* PUT /api/v1/modules/{name} {"enabled": true|false}. A disabled module's routes answer 404
 * for the tenant and its permissions leave /me; its data stays, ready for re-enabling. Other
 * servers learn of the change within CRM_DENYLIST_REFRESH_S. */
void
crm_modules_put(crm_req_t *r)
{
    const char *name = crm_req_param(r, "name");
    const crm_module_t *module = NULL;
    for (const crm_module_t *const *m = crm_modules + 1; *m && !module; m++)
        if (strcmp((*m)->name, name) == 0)
            module = *m;
    if (!module) {
        crm_reply_problem(r, 404, "no such module");
        return;
    }
    static const char *const fields[] = {"enabled", NULL};
    if (!crm_body_fields(r, fields))
        return;
    if (!json_is_boolean(json_object_get(r->json, "enabled")))
        crm_req_field_error(r, "enabled", "must be true or false");
    if (crm_fields_failed(r, "the change is not valid"))
        return;
    bool on = json_is_true(json_object_get(r->json, "enabled"));
    crm_tx_t *tx = crm_tx_new(r);
    if (on)
        CRM_TX_ADD(tx, crm_sql_module_on, name);
    else
        CRM_TX_ADD(tx, crm_sql_module_off, name);
    if (crm_tx_run(tx) != 0)
        return;
    crm_tenant_modules_set(r->tenant_id, name, on);
    crm_reply_json(r, 200, json_pack("{ss sb}", "name", name, "enabled", on));
}
