/* b64url.h - base64url without padding (RFC 4648 section 5) for public data: token segments
 * and list cursors, decoded on every request. Table-driven and not constant-time, so never
 * for secrets (key material goes through libsodium's constant-time decoder). */
#ifndef CRM_CORE_B64URL_H
#define CRM_CORE_B64URL_H

#include <stddef.h>

/* Decodes len characters of s into out (at most cap bytes). Refuses, with -1, any character
 * outside the alphabet (padding included), a length that cannot be base64 (len % 4 == 1),
 * unused trailing bits that are not zero (so each value has one spelling) and output that
 * does not fit. The number of bytes otherwise. */
long crm_b64url_decode(const char *s, size_t len, unsigned char *out, size_t cap);

#endif
