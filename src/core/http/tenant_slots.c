/* tenant_slots.c - bounds on a tenant's concurrent long-running work (exports, chain checks):
 * a small table of the tenants that hold slots now, under one mutex (taken twice per export or
 * verify, never on an ordinary request's path) */
#include "core/http/tenant_slots.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/util/log.h"
#include "core/util/uuid.h"

/* Tenants with work in progress at once: more than there are worker threads to run it. */
#define CRM_SLOT_TENANTS 256

typedef struct crm_slot_row {
    char tenant_id[CRM_UUID_LEN + 1]; /* "" when free */
    int held[CRM_SLOT_KINDS];
} crm_slot_row_t;

static const int crm_slot_limit[CRM_SLOT_KINDS] = {CRM_TENANT_EXPORTS, CRM_TENANT_VERIFIES};
static const char *const crm_slot_name[CRM_SLOT_KINDS] = {"exports", "audit chain checks"};

static struct {
    pthread_mutex_t lock;
    crm_slot_row_t rows[CRM_SLOT_TENANTS];
} crm_slots = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The tenant's row, or a free one to claim when make is set; NULL if none. Under the lock. */
static crm_slot_row_t *
crm_slot_row(const char *tenant_id, bool make)
{
    crm_slot_row_t *free_row = NULL;
    for (size_t i = 0; i < CRM_SLOT_TENANTS; i++) {
        crm_slot_row_t *row = &crm_slots.rows[i];
        if (strcmp(row->tenant_id, tenant_id) == 0)
            return row;
        if (!free_row && row->tenant_id[0] == '\0')
            free_row = row;
    }
    if (make && free_row)
        snprintf(free_row->tenant_id, sizeof(free_row->tenant_id), "%s", tenant_id);
    return make ? free_row : NULL;
}

bool
crm_tenant_slot_take(crm_req_t *r, crm_slot_kind_t kind)
{
    bool taken = false;
    pthread_mutex_lock(&crm_slots.lock);
    crm_slot_row_t *row = crm_slot_row(r->tenant_id, true);
    if (row && row->held[kind] < crm_slot_limit[kind]) {
        row->held[kind]++;
        taken = true;
    }
    pthread_mutex_unlock(&crm_slots.lock);
    if (!taken) {
        crm_req_add_header(r, "Retry-After", "5");
        crm_reply_problem(r, 429,
                          "this tenant already has %d of its %s running; retry when one ends",
                          crm_slot_limit[kind], crm_slot_name[kind]);
    }
    return taken;
}

void
crm_tenant_slot_give(const char *tenant_id, crm_slot_kind_t kind)
{
    pthread_mutex_lock(&crm_slots.lock);
    crm_slot_row_t *row = crm_slot_row(tenant_id, false);
    if (row && row->held[kind] > 0) {
        row->held[kind]--;
        bool idle = true;
        for (int k = 0; k < CRM_SLOT_KINDS; k++)
            idle = idle && row->held[k] == 0;
        if (idle)
            row->tenant_id[0] = '\0';
    } else {
        crm_error("tenant slot given back that was not taken (%s)", crm_slot_name[kind]);
    }
    pthread_mutex_unlock(&crm_slots.lock);
}
