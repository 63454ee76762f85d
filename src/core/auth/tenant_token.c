/* tenant_token.c - making, parsing and hashing tenant-scoped secret tokens */
#include "core/auth/tenant_token.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/util/uuid.h"

static void
crm_tenant_token_hash(crm_tenant_token_t *t)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)t->text, strlen(t->text));
    t->hash[0] = '\\';
    t->hash[1] = 'x';
    sodium_bin2hex(t->hash + 2, sizeof(t->hash) - 2, h, sizeof(h));
}

void
crm_tenant_token_new(const char *tenant_id, crm_tenant_token_t *t)
{
    unsigned char secret[32];
    char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    randombytes_buf(secret, sizeof(secret));
    sodium_bin2base64(b64, sizeof(b64), secret, sizeof(secret),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(t->tenant_id, sizeof(t->tenant_id), "%s", tenant_id);
    snprintf(t->text, sizeof(t->text), "%s.%s", tenant_id, b64);
    crm_tenant_token_hash(t);
}

bool
crm_tenant_token_parse(const char *text, size_t len, crm_tenant_token_t *t)
{
    if (len != CRM_TENANT_TOKEN_LEN || text[36] != '.')
        return false;
    memcpy(t->tenant_id, text, 36);
    t->tenant_id[36] = '\0';
    if (!crm_uuid_valid(t->tenant_id))
        return false;
    memcpy(t->text, text, len);
    t->text[len] = '\0';
    crm_tenant_token_hash(t);
    return true;
}
