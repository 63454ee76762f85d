/* forwarded.h - the client's address and scheme behind trusted proxies (X-Forwarded-For/-Proto) */
#ifndef CRM_CORE_FORWARDED_H
#define CRM_CORE_FORWARDED_H

#include <stdbool.h>

#include "core/util/cidr.h"

typedef struct crm_forwarded {
    char client_ip[CRM_IP_TEXT_MAX]; /* the client's address as text ("" when peer was not one) */
    bool https;                      /* X-Forwarded-Proto: https, set by a trusted proxy */
    bool proxied;                    /* the peer is a trusted proxy */
} crm_forwarded_t;

/* Resolves the client of a connection from peer (its address as text) and, only when peer is
 * in trusted, the X-Forwarded-For entries xff (every header's values joined by commas, in
 * order; NULL when absent) and X-Forwarded-Proto xfp (likewise): walking xff from the right,
 * trusted addresses are skipped and the first untrusted one is the client (entries left of it
 * could be anyone's); when every entry is trusted the leftmost is; an entry that is not an
 * address ends the walk at the hop that sent it. The scheme is the last xfp value. */
void crm_forwarded_resolve(const crm_cidr_list_t *trusted, const char *peer, const char *xff,
                           const char *xfp, crm_forwarded_t *out);

#endif
