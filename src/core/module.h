/* module.h - the interface through which the core knows an industry module (and itself) */
#ifndef CRM_CORE_MODULE_H
#define CRM_CORE_MODULE_H

#include "core/migrate.h"
#include "core/router.h"

typedef struct crm_permission {
    const char *name; /* "clinic.appointments.read": the module's name is its namespace */
    const char *description;
    unsigned roles; /* built-in roles holding it: CRM_R_* bits (Admin holds every one) */
} crm_permission_t;

typedef struct crm_module {
    const char *name;                    /* "clinic": also its config and permission namespace */
    const crm_route_t *routes;           /* ends with a row whose handler is NULL; may be NULL */
    const crm_migration_t *migrations;   /* its own numbered SQL, tracked per (module, version) */
    const crm_permission_t *permissions; /* ends with {NULL}; may be NULL */
    const char *openapi;                 /* its fragment of the OpenAPI document (JSON), or NULL */
    int (*init)(void);                   /* optional: runs once at start-up, 0 on success */
} crm_module_t;

/* The compiled-in modules, core first, NULL-terminated (src/modules/registry.c). */
extern const crm_module_t *const crm_modules[];

/* Adds the system routes and every module's routes to rt; -1 with a message on a bad row. */
int crm_modules_build_router(crm_router_t *rt, char *err, size_t errlen);
/* Runs every module's init; -1 with a message naming the module that failed. */
int crm_modules_init(char *err, size_t errlen);

#endif
