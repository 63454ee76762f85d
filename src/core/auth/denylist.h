/* denylist.h - suspended tenants and disabled users, reloaded in the background every few seconds,
 * so access tokens are checked against them in memory (no database trip per request) */
#ifndef CRM_CORE_DENYLIST_H
#define CRM_CORE_DENYLIST_H

#include <stdbool.h>

#include "core/auth/jws.h"

/* Loads the lists once (as crm_platform), then reloads them every refresh_s seconds in a
 * thread of its own; each reload also refreshes the tenants' enabled modules
 * (tenant_modules.h). Entries older than token_ttl_s + leeway are dropped: tokens issued
 * before them have expired anyway. -1 with a message when the first load fails. */
int crm_denylist_start(const char *database_url, long refresh_s, long token_ttl_s, char *err,
                       size_t errlen);
void crm_denylist_stop(void);
/* The token's tenant is suspended, or its user was disabled or changed after it was issued. */
bool crm_denylist_blocks(const crm_token_claims_t *claims);

#endif
