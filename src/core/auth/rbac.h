/* rbac.h - roles and permissions, both declared by modules, and the checks made in memory */
#ifndef CRM_CORE_RBAC_H
#define CRM_CORE_RBAC_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/http/router.h"

/* Pseudo-permissions of routes: anyone; the platform key; any signed-in user. */
#define CRM_PERM_PLATFORM      "platform"
#define CRM_PERM_AUTHENTICATED "authenticated"

/* Admin is the one role the core itself defines: it holds every permission. Every other role
 * is declared by a module (crm_module_t.roles) and numbered at start-up, in the modules'
 * order; a role's number is its bit in the permission masks. */
#define CRM_ROLE_ADMIN 0
#define CRM_ROLE_MAX   32

/* The number of roles, and role i's name (as in tokens and the database: "viewer") and
 * description. */
int crm_role_count(void);
const char *crm_role_name(int role);
const char *crm_role_description(int role);

/* The role's index, or -1 for a name that is not a role. */
int crm_role_by_name(const char *name);

/* Collects every module's roles and permissions and resolves who holds what; refuses a name
 * declared twice, a grant naming no role or permission, and more than CRM_ROLE_MAX roles.
 * Idempotent; crm_rbac_init and crm_rbac_sync call it first. */
int crm_rbac_load(char *err, size_t errlen);
/* crm_rbac_load, then resolves each route's permission to a role mask; refuses a route whose
 * permission nobody declared. Call once, after the router is built. */
int crm_rbac_init(const crm_router_t *rt, char *err, size_t errlen);
void crm_rbac_free(void);

/* May role call the route with this router index? (Pseudo-permissions answer true.) */
bool crm_rbac_route_allows(size_t route_index, int role);
bool crm_rbac_allows(int role, const char *permission);
/* Every permission of role b is also role a's. */
bool crm_rbac_covers(int a, int b);

/* The declared permissions, sorted by name. */
size_t crm_rbac_permission_count(void);
const char *crm_rbac_permission_name(size_t i);

/* Makes the roles and role_permissions tables equal to the code (as the schema owner). */
int crm_rbac_sync(PGconn *conn, char *err, size_t errlen);

/* The role x permission matrix as a Markdown table (docs/permissions.md). */
char *crm_rbac_markdown(void);

#endif
