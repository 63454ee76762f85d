/* tenant_slots.h - bounds on a tenant's concurrent long-running work (exports, chain checks) */
#ifndef CRM_CORE_TENANT_SLOTS_H
#define CRM_CORE_TENANT_SLOTS_H

#include <stdbool.h>

#include "core/http/request.h"

typedef enum {
    CRM_SLOT_EXPORT, /* streamed exports: CRM_TENANT_EXPORTS at once */
    CRM_SLOT_VERIFY, /* audit chain checks: CRM_TENANT_VERIFIES at once */
    CRM_SLOT_KINDS,
} crm_slot_kind_t;

#define CRM_TENANT_EXPORTS  2
#define CRM_TENANT_VERIFIES 1

/* Takes one of the request's tenant's slots of this kind, in this server process. When they
 * are all taken, replies 429 with Retry-After and returns false. */
bool crm_tenant_slot_take(crm_req_t *r, crm_slot_kind_t kind);
/* Gives back a slot taken for tenant_id (which may outlive the request that took it). */
void crm_tenant_slot_give(const char *tenant_id, crm_slot_kind_t kind);

#endif
