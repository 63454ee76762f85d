/* module.c - the core CRM module: its migrations (db/migrations), later contacts, deals, ... */
#include "core/module.h"

extern const crm_migration_t crm_core_migrations[];

const crm_module_t crm_core_module = {
    .name = "core",
    .routes = NULL,
    .migrations = crm_core_migrations,
    .permissions = NULL,
    .openapi = NULL,
    .init = NULL,
};
