/* tenant_modules.h - which industry modules each tenant has enabled, held in memory (reloaded
 * with the deny list) so a disabled module's routes answer 404 without a database trip */
#ifndef CRM_CORE_TENANT_MODULES_H
#define CRM_CORE_TENANT_MODULES_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* The number of changes this process has made so far: taken before a reload's snapshot. */
uint64_t crm_tenant_modules_mark(void);
/* Replaces the whole map from the rows of tenant_modules_enabled (tenant_modules.sql), read
 * as crm_platform in a snapshot taken after mark; this process's changes made since mark are
 * applied again, as the snapshot may predate their commit. */
void crm_tenant_modules_load(PGresult *rows, uint64_t mark);
/* Records a change made by this process at once, after its commit (other processes see it at
 * their reload). */
void crm_tenant_modules_set(const char *tenant_id, const char *module, bool enabled);
bool crm_tenant_module_enabled(const char *tenant_id, const char *module);
void crm_tenant_modules_free(void);

#endif
