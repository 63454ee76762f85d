/* rbac.c - roles and permissions: built-in roles, permissions declared by modules, checks in memory
 */
#include "core/auth/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db/db.h"
#include "core/util/arena.h"
#include "core/util/buf.h"
#include "core/module.h"
#include "auth_rbac_sql.h"

typedef struct crm_rbac_role {
    const char *name;
    const char *description;
} crm_rbac_role_t;

typedef struct crm_rbac_perm {
    const char *name;
    const char *description;
    unsigned roles; /* including the Admin bit */
} crm_rbac_perm_t;

static struct {
    bool loaded;
    crm_rbac_role_t roles[CRM_ROLE_MAX];
    int nroles;
    crm_rbac_perm_t *perms;
    size_t nperms;
    unsigned *route_masks; /* per router index; ~0u for pseudo-permissions */
    size_t nroutes;
} crm_rbac;

static void crm_rbac_ready(void);

int
crm_role_count(void)
{
    crm_rbac_ready();
    return crm_rbac.nroles;
}

const char *
crm_role_name(int role)
{
    return role >= 0 && role < crm_rbac.nroles ? crm_rbac.roles[role].name : NULL;
}

const char *
crm_role_description(int role)
{
    return role >= 0 && role < crm_rbac.nroles ? crm_rbac.roles[role].description : NULL;
}

static int
crm_role_find(const char *name)
{
    for (int i = 0; i < crm_rbac.nroles; i++)
        if (strcmp(crm_rbac.roles[i].name, name) == 0)
            return i;
    return -1;
}

int
crm_role_by_name(const char *name)
{
    crm_rbac_ready();
    return crm_role_find(name);
}

static int
crm_perm_cmp(const void *a, const void *b)
{
    return strcmp(((const crm_rbac_perm_t *)a)->name, ((const crm_rbac_perm_t *)b)->name);
}

static crm_rbac_perm_t *
crm_rbac_find_mutable(const char *name)
{
    crm_rbac_perm_t key = {.name = name};
    return bsearch(&key, crm_rbac.perms, crm_rbac.nperms, sizeof(key), crm_perm_cmp);
}

/* Calls each(name, len, ctx) for each space-separated word of list; stops at a non-zero. */
static int
crm_rbac_words(const char *list, int (*each)(const char *word, size_t len, void *ctx), void *ctx)
{
    for (const char *p = list; p && *p;) {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        if (n && each(p, n, ctx) != 0)
            return -1;
        p += n;
    }
    return 0;
}

typedef struct crm_rbac_grant_ctx {
    const char *module;
    const char *what;      /* the permission or role declaring the grant */
    crm_rbac_perm_t *perm; /* a permission's roles: the permission */
    int role;              /* a role's grants: the role */
    char *err;
    size_t errlen;
} crm_rbac_grant_ctx_t;

static int
crm_rbac_grant_role(const char *word, size_t len, void *ctx)
{
    crm_rbac_grant_ctx_t *g = ctx;
    for (int i = 0; i < crm_rbac.nroles; i++) {
        if (strlen(crm_rbac.roles[i].name) == len &&
            memcmp(crm_rbac.roles[i].name, word, len) == 0) {
            g->perm->roles |= 1u << i;
            return 0;
        }
    }
    snprintf(g->err, g->errlen, "module %s: permission %s names no role %.*s", g->module, g->what,
             (int)len, word);
    return -1;
}

static int
crm_rbac_grant_perm(const char *word, size_t len, void *ctx)
{
    crm_rbac_grant_ctx_t *g = ctx;
    char name[128];
    crm_rbac_perm_t *p = NULL;
    if (len < sizeof(name)) {
        memcpy(name, word, len);
        name[len] = '\0';
        p = crm_rbac_find_mutable(name);
    }
    if (!p) {
        snprintf(g->err, g->errlen, "module %s: role %s is granted no permission %.*s", g->module,
                 g->what, (int)len, word);
        return -1;
    }
    p->roles |= 1u << g->role;
    return 0;
}

/* The roles: Admin, then every module's in order. */
static int
crm_rbac_load_roles(char *err, size_t errlen)
{
    crm_rbac.roles[0] =
        (crm_rbac_role_t){"admin", "Everything in the tenant, including users and settings."};
    crm_rbac.nroles = 1;
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        for (const crm_role_def_t *d = (*m)->roles; d && d->name; d++) {
            if (crm_role_find(d->name) >= 0) {
                snprintf(err, errlen, "module %s: role %s is declared twice", (*m)->name, d->name);
                return -1;
            }
            if (crm_rbac.nroles == CRM_ROLE_MAX) {
                snprintf(err, errlen, "module %s: more than %d roles", (*m)->name, CRM_ROLE_MAX);
                return -1;
            }
            crm_rbac.roles[crm_rbac.nroles++] = (crm_rbac_role_t){d->name, d->description};
        }
    }
    return 0;
}

/* The permissions of every module, sorted for bsearch, with the roles holding each. */
static int
crm_rbac_load_perms(char *err, size_t errlen)
{
    size_t n = 0;
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        for (const crm_permission_t *p = (*m)->permissions; p && p->name; p++)
            n++;
    crm_rbac.perms = crm_xcalloc(n + 1, sizeof(*crm_rbac.perms));
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        for (const crm_permission_t *p = (*m)->permissions; p && p->name; p++)
            crm_rbac.perms[crm_rbac.nperms++] =
                (crm_rbac_perm_t){p->name, p->description, 1u << CRM_ROLE_ADMIN};
    qsort(crm_rbac.perms, crm_rbac.nperms, sizeof(*crm_rbac.perms), crm_perm_cmp);
    for (size_t i = 1; i < crm_rbac.nperms; i++) {
        if (strcmp(crm_rbac.perms[i - 1].name, crm_rbac.perms[i].name) == 0) {
            snprintf(err, errlen, "permission %s is declared twice", crm_rbac.perms[i].name);
            return -1;
        }
    }
    crm_rbac_grant_ctx_t g = {.err = err, .errlen = errlen};
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        g.module = (*m)->name;
        for (const crm_permission_t *p = (*m)->permissions; p && p->name; p++) {
            g.what = p->name;
            g.perm = crm_rbac_find_mutable(p->name);
            if (crm_rbac_words(p->roles, crm_rbac_grant_role, &g) != 0)
                return -1;
        }
        for (const crm_role_def_t *d = (*m)->roles; d && d->name; d++) {
            g.what = d->name;
            g.role = crm_role_find(d->name);
            if (crm_rbac_words(d->grants, crm_rbac_grant_perm, &g) != 0)
                return -1;
        }
    }
    return 0;
}

int
crm_rbac_load(char *err, size_t errlen)
{
    if (crm_rbac.loaded)
        return 0;
    if (crm_rbac_load_roles(err, errlen) != 0 || crm_rbac_load_perms(err, errlen) != 0) {
        crm_rbac_free();
        return -1;
    }
    crm_rbac.loaded = true;
    return 0;
}

/* Loads the declarations on first use outside the server (the CLI); a broken declaration
 * shows as missing roles there, and stops `crm serve` and `crm migrate` with its message. */
static void
crm_rbac_ready(void)
{
    char ignored[256];
    if (!crm_rbac.loaded)
        (void)crm_rbac_load(ignored, sizeof(ignored));
}

static const crm_rbac_perm_t *
crm_rbac_find(const char *name)
{
    crm_rbac_ready();
    return crm_rbac_find_mutable(name);
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
    if (crm_rbac_load(err, errlen) != 0)
        return -1;
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
    if (route_index >= crm_rbac.nroutes || role < 0 || role >= crm_rbac.nroles)
        return false;
    return (crm_rbac.route_masks[route_index] >> role) & 1u;
}

bool
crm_rbac_allows(int role, const char *permission)
{
    const crm_rbac_perm_t *p = crm_rbac_find(permission);
    return p && role >= 0 && role < crm_rbac.nroles && ((p->roles >> role) & 1u);
}

bool
crm_rbac_covers(int a, int b)
{
    crm_rbac_ready();
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
    crm_rbac_ready();
    return crm_rbac.nperms;
}

const char *
crm_rbac_permission_name(size_t i)
{
    crm_rbac_ready();
    return i < crm_rbac.nperms ? crm_rbac.perms[i].name : NULL;
}

int
crm_rbac_sync(PGconn *conn, char *err, size_t errlen)
{
    if (crm_rbac_load(err, errlen) != 0)
        return -1;
    static const char what[] = "syncing roles";
    int rc = crm_db_exec(conn, "BEGIN", 0, NULL, what, err, errlen);
    for (int r = 0; rc == 0 && r < crm_rbac.nroles; r++) {
        const char *p[] = {crm_rbac.roles[r].name, crm_rbac.roles[r].description};
        rc = crm_db_exec(conn, crm_sql_role_upsert.sql,
                         CRM_SQL_NPARAMS(crm_sql_role_upsert, CRM_COUNT(p)), p, what, err, errlen);
    }
    if (rc == 0)
        rc = crm_db_exec(conn, crm_sql_role_permissions_clear.sql,
                         CRM_SQL_NPARAMS(crm_sql_role_permissions_clear, 0), NULL, what, err,
                         errlen);
    for (size_t i = 0; rc == 0 && i < crm_rbac.nperms; i++) {
        for (int r = 0; rc == 0 && r < crm_rbac.nroles; r++) {
            if (!((crm_rbac.perms[i].roles >> r) & 1u))
                continue;
            const char *p[] = {crm_rbac.roles[r].name, crm_rbac.perms[i].name};
            rc = crm_db_exec(conn, crm_sql_role_permission_grant.sql,
                             CRM_SQL_NPARAMS(crm_sql_role_permission_grant, CRM_COUNT(p)), p, what,
                             err, errlen);
        }
    }
    char ignored[8];
    crm_db_exec(conn, rc == 0 ? "COMMIT" : "ROLLBACK", 0, NULL, what, rc == 0 ? err : ignored,
                rc == 0 ? errlen : sizeof(ignored));
    return rc;
}

char *
crm_rbac_markdown(void)
{
    crm_rbac_ready();
    crm_arena_t *a = crm_arena_create(4096);
    crm_buf_t b;
    crm_buf_init(&b, a, 4096);
    crm_buf_puts(&b, "| permission |");
    for (int r = 0; r < crm_rbac.nroles; r++)
        crm_buf_printf(&b, " %s |", crm_rbac.roles[r].name);
    crm_buf_puts(&b, " meaning |\n|---|");
    for (int r = 0; r < crm_rbac.nroles; r++)
        crm_buf_puts(&b, ":-:|");
    crm_buf_puts(&b, "---|\n");
    for (size_t i = 0; i < crm_rbac.nperms; i++) {
        crm_buf_printf(&b, "| `%s` |", crm_rbac.perms[i].name);
        for (int r = 0; r < crm_rbac.nroles; r++)
            crm_buf_puts(&b, (crm_rbac.perms[i].roles >> r) & 1u ? " yes |" : " - |");
        crm_buf_printf(&b, " %s |\n", crm_rbac.perms[i].description);
    }
    char *out = crm_xstrdup(b.data);
    crm_arena_destroy(a);
    return out;
}
