/* twilio_signature.c - Twilio's webhook signature: sorted parameters, HMAC-SHA1 by OpenSSL */
#include "core/messaging/twilio_signature.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/arena.h"

static int
crm_twilio_field_cmp(const void *a, const void *b)
{
    const crm_form_field *x = *(const crm_form_field *const *)a;
    const crm_form_field *y = *(const crm_form_field *const *)b;
    int c = strcmp(x->name, y->name); /* strcmp compares as unsigned char: code point order */
    return c ? c : strcmp(x->value, y->value);
}

static int
crm_twilio_update(EVP_MAC_CTX *ctx, const char *s)
{
    return EVP_MAC_update(ctx, (const unsigned char *)s, strlen(s));
}

int
crm_twilio_signature(const char *auth_token, const char *url, const crm_form_field *params,
                     size_t n, char out[CRM_TWILIO_SIGNATURE_SIZE])
{
    out[0] = '\0';
    const crm_form_field **sorted = n ? crm_xmalloc(n * sizeof(*sorted)) : NULL;
    for (size_t i = 0; i < n; i++)
        sorted[i] = &params[i];
    if (n > 1)
        qsort(sorted, n, sizeof(*sorted), crm_twilio_field_cmp);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    char sha1[] = "SHA1";
    OSSL_PARAM digest[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha1, 0),
                           OSSL_PARAM_construct_end()};
    unsigned char md[EVP_MAX_MD_SIZE];
    size_t mdlen = 0;
    int ok = ctx &&
             EVP_MAC_init(ctx, (const unsigned char *)auth_token, strlen(auth_token), digest) == 1;
    ok = ok && crm_twilio_update(ctx, url) == 1;
    for (size_t i = 0; ok && i < n; i++)
        ok = crm_twilio_update(ctx, sorted[i]->name) == 1 &&
             crm_twilio_update(ctx, sorted[i]->value) == 1;
    ok = ok && EVP_MAC_final(ctx, md, &mdlen, sizeof(md)) == 1 && mdlen == 20;
    if (ok)
        EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    free(sorted);
    return ok ? 0 : -1;
}

bool
crm_twilio_signature_verify(const char *auth_token, const char *url, const crm_form_field *params,
                            size_t n, const char *header)
{
    char expected[CRM_TWILIO_SIGNATURE_SIZE];
    if (!header || !auth_token || !*auth_token ||
        crm_twilio_signature(auth_token, url, params, n, expected) != 0)
        return false;
    /* The length is public (always 28); the bytes are compared in constant time. */
    size_t len = strlen(header);
    return len == CRM_TWILIO_SIGNATURE_SIZE - 1 &&
           CRYPTO_memcmp(header, expected, CRM_TWILIO_SIGNATURE_SIZE - 1) == 0;
}
