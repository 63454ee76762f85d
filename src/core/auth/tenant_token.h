/* tenant_token.h - opaque secret tokens "<tenant id>.<32 random bytes, base64url>" (refresh
 * tokens, calendar feed URLs): the tenant keeps the lookup tenant-scoped, only the SHA-256 is
 * stored */
#ifndef CRM_CORE_TENANT_TOKEN_H
#define CRM_CORE_TENANT_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define CRM_TENANT_TOKEN_LEN (36 + 1 + 43) /* uuid, dot, 43 base64url characters */

typedef struct crm_tenant_token {
    char text[CRM_TENANT_TOKEN_LEN + 1];
    char tenant_id[37];
    char hash[2 + 64 + 1]; /* the SHA-256 as bytea text: \x... */
} crm_tenant_token_t;

/* A new random token of the tenant. */
void crm_tenant_token_new(const char *tenant_id, crm_tenant_token_t *t);
/* Reads len bytes of a presented token; false when they cannot be one of ours. */
bool crm_tenant_token_parse(const char *text, size_t len, crm_tenant_token_t *t);

#endif
