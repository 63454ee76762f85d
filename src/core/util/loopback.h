/* loopback.h - whether a host or an http:// URL names this machine (localhost, 127.0.0.1, ::1) */
#ifndef CRM_CORE_LOOPBACK_H
#define CRM_CORE_LOOPBACK_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the len bytes at host are localhost (any case), 127.0.0.1, ::1 or [::1]. */
bool crm_loopback_host(const char *host, size_t len);
/* Whether url is plain http:// to a loopback host, followed by a port, a path or nothing: the
 * one place a secret or a cookie may go without TLS. */
bool crm_loopback_http_url(const char *url);

#endif
