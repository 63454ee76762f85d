/* rbac.c - roles and permissions: built-in roles, permissions declared by modules, checks in memory
 */
#include "core/auth/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/arena.h"
#include "core/util/buf.h"
#include "core/module.h"

const crm_role_t crm_roles[CRM_ROLE_COUNT] = {
    [CRM_ROLE_ADMIN] = {"admin", "Everything in the tenant, including users and settings."},
    [CRM_ROLE_PRACTITIONER] = {"practitioner", "Patients, their own schedule and clinical notes."},
    [CRM_ROLE_RECEPTIONIST] = {"receptionist",
                               "Contacts and scheduling for every practitioner; no clinical "
                               "notes."},
    [CRM_ROLE_SALES] = {"sales",
                        "Contacts, deals and activities; no clinical data, no clinic module."},
    [CRM_ROLE_VIEWER] = {"viewer", "Read-only access; no clinical data."},
    [CRM_ROLE_AUDITOR] = {"auditor", "Reads the audit log; nothing else, nothing clinical."},
};

typedef struct crm_rbac_perm {
    const char *name;
    const char *description;
    unsigned roles; /* including the Admin bit */
} crm_rbac_perm_t;

static struct {
    crm_rbac_perm_t *perms;
    size_t nperms;
    unsigned *route_masks; /* per router index; ~0u for pseudo-permissions */
    size_t nroutes;
} crm_rbac;

int
crm_role_by_name(const char *name)
{
    for (int i = 0; i < CRM_ROLE_COUNT; i++)
        if (strcmp(crm_roles[i].name, name) == 0)
            return i;
    return -1;
}

static int
crm_perm_cmp(const void *a, const void *b)
{
    return strcmp(((const crm_rbac_perm_t *)a)->name, ((const crm_rbac_perm_t *)b)->name);
}

/* The permissions of every compiled-in module, once, sorted for bsearch. */
static void
crm_rbac_collect(void)
{
    if (crm_rbac.perms)
        return;
    size_t n = 0;
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        for (const crm_permission_t *p = (*m)->permissions; p && p->name; p++)
            n++;
    crm_rbac.perms = crm_xcalloc(n + 1, sizeof(*crm_rbac.perms));
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        for (const crm_permission_t *p = (*m)->permissions; p && p->name; p++)
            crm_rbac.perms[crm_rbac.nperms++] =
                (crm_rbac_perm_t){p->name, p->description, p->roles | (1u << CRM_ROLE_ADMIN)};
    qsort(crm_rbac.perms, crm_rbac.nperms, sizeof(*crm_rbac.perms), crm_perm_cmp);
}

static const crm_rbac_perm_t *
crm_rbac_find(const char *name)
{
    crm_rbac_collect();
    crm_rbac_perm_t key = {.name = name};
    return bsearch(&key, crm_rbac.perms, crm_rbac.nperms, sizeof(key), crm_perm_cmp);
}

static bool
crm_is_pseudo(const char *perm)
{
    return strcmp(perm, CRM_PERM_PUBLIC) == 0 || strcmp(perm, CRM_PERM_PLATFORM) == 0 ||
           strcmp(perm, CRM_PERM_AUTHENTICATED) == 0;
}

int
crm_rbac_init(const crm_router_t *rt, char *err, size_t errlen)
{
    crm_rbac_collect();
    for (size_t i = 1; i < crm_rbac.nperms; i++) {
        if (strcmp(crm_rbac.perms[i - 1].name, crm_rbac.perms[i].name) == 0) {
            snprintf(err, errlen, "permission %s is declared twice", crm_rbac.perms[i].name);
            return -1;
        }
    }
    crm_rbac.nroutes = crm_router_count(rt);
    crm_rbac.route_masks = crm_xcalloc(crm_rbac.nroutes + 1, sizeof(unsigned));
    for (size_t i = 0; i < crm_rbac.nroutes; i++) {
        const crm_route_t *r = crm_router_route(rt, i);
        if (crm_is_pseudo(r->permission)) {
            crm_rbac.route_masks[i] = ~0u;
            continue;
        }
        const crm_rbac_perm_t *p = crm_rbac_find(r->permission);
        if (!p) {
            snprintf(err, errlen, "route %s %s: permission %s is not declared by any module",
                     r->method, r->path, r->permission);
            return -1;
        }
        crm_rbac.route_masks[i] = p->roles;
    }
    return 0;
}

void
crm_rbac_free(void)
{
    free(crm_rbac.route_masks);
    free(crm_rbac.perms);
    memset(&crm_rbac, 0, sizeof(crm_rbac));
}

bool
crm_rbac_route_allows(size_t route_index, int role)
{
    if (route_index >= crm_rbac.nroutes || role < 0 || role >= CRM_ROLE_COUNT)
        return false;
    return (crm_rbac.route_masks[route_index] >> role) & 1u;
}

bool
crm_rbac_allows(int role, const char *permission)
{
    const crm_rbac_perm_t *p = crm_rbac_find(permission);
    return p && role >= 0 && role < CRM_ROLE_COUNT && ((p->roles >> role) & 1u);
}

bool
crm_rbac_covers(int a, int b)
{
    crm_rbac_collect();
    for (size_t i = 0; i < crm_rbac.nperms; i++) {
        unsigned roles = crm_rbac.perms[i].roles;
        if (((roles >> b) & 1u) && !((roles >> a) & 1u))
            return false;
    }
    return true;
}

size_t
crm_rbac_permission_count(void)
{
    crm_rbac_collect();
    return crm_rbac.nperms;
}

const char *
crm_rbac_permission_name(size_t i)
{
    crm_rbac_collect();
    return i < crm_rbac.nperms ? crm_rbac.perms[i].name : NULL;
}

static int
crm_rbac_exec(PGconn *conn, const char *sql, int n, const char *const *params, char *err,
              size_t errlen)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    if (!ok)
        snprintf(err, errlen, "syncing roles: %s", PQresultErrorMessage(res));
    PQclear(res);
    return ok ? 0 : -1;
}

int
crm_rbac_sync(PGconn *conn, char *err, size_t errlen)
{
    crm_rbac_collect();
    int rc = crm_rbac_exec(conn, "BEGIN", 0, NULL, err, errlen);
    for (int r = 0; rc == 0 && r < CRM_ROLE_COUNT; r++) {
        const char *p[] = {crm_roles[r].name, crm_roles[r].description};
        rc = crm_rbac_exec(conn,
                           "INSERT INTO roles (name, description) VALUES ($1, $2)"
                           " ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description",
                           2, p, err, errlen);
    }
    if (rc == 0)
        rc = crm_rbac_exec(conn, "DELETE FROM role_permissions", 0, NULL, err, errlen);
    for (size_t i = 0; rc == 0 && i < crm_rbac.nperms; i++) {
        for (int r = 0; rc == 0 && r < CRM_ROLE_COUNT; r++) {
            if (!((crm_rbac.perms[i].roles >> r) & 1u))
                continue;
            const char *p[] = {crm_roles[r].name, crm_rbac.perms[i].name};
            rc = crm_rbac_exec(conn, "INSERT INTO role_permissions VALUES ($1, $2)", 2, p, err,
                               errlen);
        }
    }
    char ignored[8];
    crm_rbac_exec(conn, rc == 0 ? "COMMIT" : "ROLLBACK", 0, NULL, rc == 0 ? err : ignored,
                  rc == 0 ? errlen : sizeof(ignored));
    return rc;
}

char *
crm_rbac_markdown(void)
{
    crm_rbac_collect();
    crm_arena_t *a = crm_arena_create(4096);
    crm_buf_t b;
    crm_buf_init(&b, a, 4096);
    crm_buf_puts(&b, "| permission |");
    for (int r = 0; r < CRM_ROLE_COUNT; r++)
        crm_buf_printf(&b, " %s |", crm_roles[r].name);
    crm_buf_puts(&b, " meaning |\n|---|");
    for (int r = 0; r < CRM_ROLE_COUNT; r++)
        crm_buf_puts(&b, ":-:|");
    crm_buf_puts(&b, "---|\n");
    for (size_t i = 0; i < crm_rbac.nperms; i++) {
        crm_buf_printf(&b, "| `%s` |", crm_rbac.perms[i].name);
        for (int r = 0; r < CRM_ROLE_COUNT; r++)
            crm_buf_puts(&b, (crm_rbac.perms[i].roles >> r) & 1u ? " yes |" : " - |");
        crm_buf_printf(&b, " %s |\n", crm_rbac.perms[i].description);
    }
    char *out = crm_xstrdup(b.data);
    crm_arena_destroy(a);
    return out;
}
