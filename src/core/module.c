/* module.c - walks the compiled-in modules: their routes into the router, their init hooks */
#include "core/module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/contact_types.h"
#include "core/util/arena.h"

#include "core/http/system_routes.h"

/* The module of each router index: NULL for system routes and the core's. */
static const crm_module_t **crm_route_modules;
static size_t crm_nroute_modules;

int
crm_modules_build_router(crm_router_t *rt, char *err, size_t errlen)
{
    if (crm_router_add(rt, crm_system_routes, err, errlen) != 0)
        return -1;
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        size_t before = crm_router_count(rt);
        if ((*m)->routes && crm_router_add(rt, (*m)->routes, err, errlen) != 0)
            return -1;
        size_t after = crm_router_count(rt);
        crm_route_modules =
            crm_xrealloc(crm_route_modules, (after + 1) * sizeof(*crm_route_modules));
        for (size_t i = crm_nroute_modules; i < after; i++)
            crm_route_modules[i] = i >= before && m != crm_modules ? *m : NULL;
        crm_nroute_modules = after;
    }
    return 0;
}

const crm_module_t *
crm_module_of_route(size_t route_index)
{
    return route_index < crm_nroute_modules ? crm_route_modules[route_index] : NULL;
}

const crm_module_t *
crm_module_of_permission(const char *permission)
{
    const char *dot = strchr(permission, '.');
    size_t n = dot ? (size_t)(dot - permission) : 0;
    for (const crm_module_t *const *m = crm_modules + 1; *m && n; m++)
        if (strlen((*m)->name) == n && strncmp((*m)->name, permission, n) == 0)
            return *m;
    return NULL;
}

const crm_message_kind_t *
crm_message_kind_find(const char *name)
{
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        for (const crm_message_kind_t *k = (*m)->message_kinds; k && k->name; k++)
            if (strcmp(k->name, name) == 0)
                return k;
    return NULL;
}

void
crm_modules_free(void)
{
    free(crm_route_modules);
    crm_route_modules = NULL;
    crm_nroute_modules = 0;
}

int
crm_modules_init(const crm_config_t *c, char *err, size_t errlen)
{
    if (crm_contact_types_load(err, errlen) != 0)
        return -1;
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        if ((*m)->init && (*m)->init(c) != 0) {
            snprintf(err, errlen, "module %s failed to initialise", (*m)->name);
            return -1;
        }
    }
    return 0;
}
