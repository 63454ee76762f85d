/* tenant_modules.c - which industry modules each tenant has enabled, held in memory */
#include "core/auth/tenant_modules.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/arena.h"
#include "auth_tenant_modules_sql.h"

typedef struct crm_tm_entry {
    char tenant[37];
    char module[33];
} crm_tm_entry_t;

/* This process's own changes, numbered, so that a reload whose snapshot may predate one of them
 * applies it again instead of undoing it (CRM_TM_RECENT bounds the changes kept between two
 * reloads; older ones are in any snapshot taken since). */
#define CRM_TM_RECENT 256

typedef struct crm_tm_change {
    crm_tm_entry_t key;
    bool enabled;
    uint64_t seq;
} crm_tm_change_t;

static struct {
    pthread_rwlock_t lock;
    crm_tm_entry_t *entries; /* sorted by (tenant, module) */
    size_t n, cap;
    uint64_t seq;                          /* changes made so far */
    crm_tm_change_t recent[CRM_TM_RECENT]; /* change k at recent[k % CRM_TM_RECENT] */
} crm_tm = {.lock = PTHREAD_RWLOCK_INITIALIZER};

static int
crm_tm_cmp(const void *a, const void *b)
{
    const crm_tm_entry_t *x = a, *y = b;
    int c = strcmp(x->tenant, y->tenant);
    return c ? c : strcmp(x->module, y->module);
}

/* Applies one change to the map; the caller holds the write lock. */
static void
crm_tm_apply(const crm_tm_entry_t *key, bool enabled)
{
    crm_tm_entry_t *hit =
        crm_tm.n ? bsearch(key, crm_tm.entries, crm_tm.n, sizeof(*key), crm_tm_cmp) : NULL;
    if (enabled && !hit) {
        if (crm_tm.n + 1 > crm_tm.cap) {
            crm_tm.cap = crm_tm.cap ? crm_tm.cap * 2 : 16;
            crm_tm.entries = crm_xrealloc(crm_tm.entries, crm_tm.cap * sizeof(*key));
        }
        crm_tm.entries[crm_tm.n++] = *key;
        qsort(crm_tm.entries, crm_tm.n, sizeof(*key), crm_tm_cmp);
    } else if (!enabled && hit) {
        size_t i = (size_t)(hit - crm_tm.entries);
        memmove(hit, hit + 1, (crm_tm.n - i - 1) * sizeof(*key));
        crm_tm.n--;
    }
}

void
crm_tenant_modules_load(PGresult *rows, uint64_t mark)
{
    size_t n = (size_t)PQntuples(rows);
    crm_tm_entry_t *e = crm_xcalloc(n + 1, sizeof(*e));
    for (size_t i = 0; i < n; i++) {
        strncpy(e[i].tenant, PQgetvalue(rows, (int)i, TENANT_MODULES_ENABLED_TENANT_ID),
                sizeof(e[i].tenant) - 1);
        strncpy(e[i].module, PQgetvalue(rows, (int)i, TENANT_MODULES_ENABLED_MODULE),
                sizeof(e[i].module) - 1);
    }
    qsort(e, n, sizeof(*e), crm_tm_cmp);
    pthread_rwlock_wrlock(&crm_tm.lock);
    crm_tm_entry_t *old = crm_tm.entries;
    crm_tm.entries = e;
    crm_tm.n = n;
    crm_tm.cap = n + 1;
    /* the changes this process made after the mark may be missing from the rows' snapshot */
    uint64_t from = crm_tm.seq - mark > CRM_TM_RECENT ? crm_tm.seq - CRM_TM_RECENT : mark;
    for (uint64_t k = from + 1; k <= crm_tm.seq; k++)
        crm_tm_apply(&crm_tm.recent[k % CRM_TM_RECENT].key,
                     crm_tm.recent[k % CRM_TM_RECENT].enabled);
    pthread_rwlock_unlock(&crm_tm.lock);
    free(old);
}

uint64_t
crm_tenant_modules_mark(void)
{
    pthread_rwlock_rdlock(&crm_tm.lock);
    uint64_t seq = crm_tm.seq;
    pthread_rwlock_unlock(&crm_tm.lock);
    return seq;
}

void
crm_tenant_modules_set(const char *tenant_id, const char *module, bool enabled)
{
    crm_tm_change_t c = {.enabled = enabled};
    strncpy(c.key.tenant, tenant_id, sizeof(c.key.tenant) - 1);
    strncpy(c.key.module, module, sizeof(c.key.module) - 1);
    pthread_rwlock_wrlock(&crm_tm.lock);
    crm_tm_apply(&c.key, enabled);
    c.seq = ++crm_tm.seq;
    crm_tm.recent[c.seq % CRM_TM_RECENT] = c;
    pthread_rwlock_unlock(&crm_tm.lock);
}

bool
crm_tenant_module_enabled(const char *tenant_id, const char *module)
{
    crm_tm_entry_t key = {{0}, {0}};
    strncpy(key.tenant, tenant_id, sizeof(key.tenant) - 1);
    strncpy(key.module, module, sizeof(key.module) - 1);
    pthread_rwlock_rdlock(&crm_tm.lock);
    bool on = crm_tm.n && bsearch(&key, crm_tm.entries, crm_tm.n, sizeof(key), crm_tm_cmp);
    pthread_rwlock_unlock(&crm_tm.lock);
    return on;
}

void
crm_tenant_modules_free(void)
{
    pthread_rwlock_wrlock(&crm_tm.lock);
    free(crm_tm.entries);
    crm_tm.entries = NULL;
    crm_tm.n = crm_tm.cap = 0;
    pthread_rwlock_unlock(&crm_tm.lock);
}
