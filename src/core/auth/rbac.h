/* rbac.h - roles and permissions: built-in roles, permissions declared by modules, checks in memory
 */
#ifndef CRM_CORE_RBAC_H
#define CRM_CORE_RBAC_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/http/router.h"

/* Pseudo-permissions of routes: anyone; the platform key; any signed-in user. */
#define CRM_PERM_PLATFORM      "platform"
#define CRM_PERM_AUTHENTICATED "authenticated"

typedef enum {
    CRM_ROLE_ADMIN,
    CRM_ROLE_PRACTITIONER,
    CRM_ROLE_RECEPTIONIST,
    CRM_ROLE_SALES,
    CRM_ROLE_VIEWER,
    CRM_ROLE_AUDITOR,
    CRM_ROLE_COUNT,
} crm_role_id_t;

/* Role masks for crm_permission_t.roles (Admin holds every permission implicitly). */
#define CRM_R_PRACTITIONER (1u << CRM_ROLE_PRACTITIONER)
#define CRM_R_RECEPTIONIST (1u << CRM_ROLE_RECEPTIONIST)
#define CRM_R_SALES        (1u << CRM_ROLE_SALES)
#define CRM_R_VIEWER       (1u << CRM_ROLE_VIEWER)
#define CRM_R_AUDITOR      (1u << CRM_ROLE_AUDITOR)
#define CRM_R_ALL          (CRM_R_PRACTITIONER | CRM_R_RECEPTIONIST | CRM_R_SALES | CRM_R_VIEWER)

typedef struct crm_role {
    const char *name; /* as in tokens and the database: "receptionist" */
    const char *description;
} crm_role_t;

extern const crm_role_t crm_roles[CRM_ROLE_COUNT];

/* The role's index, or -1 for a name that is not a role. */
int crm_role_by_name(const char *name);

/* Collects every module's permissions and resolves each route's permission to a role mask;
 * refuses a route whose permission nobody declared. Call once, after the router is built. */
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
