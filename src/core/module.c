/* module.c - walks the compiled-in modules: their routes into the router, their init hooks */
#include "core/module.h"

#include <stdio.h>

#include "core/system_routes.h"

int
crm_modules_build_router(crm_router_t *rt, char *err, size_t errlen)
{
    if (crm_router_add(rt, crm_system_routes, err, errlen) != 0)
        return -1;
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        if ((*m)->routes && crm_router_add(rt, (*m)->routes, err, errlen) != 0)
            return -1;
    return 0;
}

int
crm_modules_init(char *err, size_t errlen)
{
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        if ((*m)->init && (*m)->init() != 0) {
            snprintf(err, errlen, "module %s failed to initialise", (*m)->name);
            return -1;
        }
    }
    return 0;
}
