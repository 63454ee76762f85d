/* public_url.h - the server's public base URL (CRM_PUBLIC_URL): checked, and joined with paths */
#ifndef CRM_CORE_PUBLIC_URL_H
#define CRM_CORE_PUBLIC_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util/arena.h"

#define CRM_PUBLIC_URL_MAX 256

/* 0 when url is http(s)://host[:port] with an optional final '/' (host a DNS name, an IPv4
 * address or a bracketed IPv6 one; no user, path, query or fragment); else -1 and why. */
int crm_public_url_check(const char *url, char *why, size_t whylen);
/* Sets the base (checked before): every absolute URL the server writes starts with it. Call
 * at start-up, before serving. */
void crm_public_url_set(const char *url);
/* The base when none is configured: http://<listen address>:<port>, where a wildcard listen
 * address (0.0.0.0, ::) becomes the loopback one. */
void crm_public_url_set_default(const char *listen_host, bool ipv6, int port);
/* The base, without a final '/' ("https://crm.example.com"). */
const char *crm_public_url(void);
/* Whether the base is https (for HSTS, a cookie's Secure flag). */
bool crm_public_url_https(void);
/* Whether the base is plain http on this machine (localhost, 127.0.0.1 or [::1], any port):
 * the one place a browser keeps a cookie without Secure, and where a development server
 * runs without TLS. */
bool crm_public_url_local_http(void);
/* The base followed by path (which starts with '/'), in the arena. */
char *crm_public_url_to(crm_arena_t *a, const char *path);

#endif
