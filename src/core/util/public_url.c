/* public_url.c - the server's public base URL (CRM_PUBLIC_URL): checked, and joined with paths.
 * Absolute URLs (links in answers, feed addresses) are built from it, never from the
 * request's Host header, which any client can set. */
#include "core/util/public_url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/util/loopback.h"

/* Two buffers and an atomic pointer: the base may be set again once the server listens on a
 * port the system chose (CRM_LISTEN port 0) while worker threads already run; readers see
 * either whole value, and a buffer is reused only by the set after next (start-up only). */
static char crm_public_bufs[2][CRM_PUBLIC_URL_MAX] = {"http://127.0.0.1:8080", ""};
static _Atomic(const char *) crm_public_base = crm_public_bufs[0];
static int crm_public_next = 1;

static void
crm_public_url_store(const char *url)
{
    char *buf = crm_public_bufs[crm_public_next];
    crm_public_next ^= 1;
    snprintf(buf, CRM_PUBLIC_URL_MAX, "%s", url);
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '/')
        buf[--n] = '\0';
    for (char *p = buf; *p && *p != ':'; p++) /* the scheme in lower case */
        *p = (char)tolower((unsigned char)*p);
    atomic_store_explicit(&crm_public_base, buf, memory_order_release);
}

static bool
crm_public_host_ok(const char *h, size_t n)
{
    if (n && h[0] == '[') {
        char buf[64];
        unsigned char addr[16];
        if (n < 3 || h[n - 1] != ']' || n - 2 >= sizeof(buf))
            return false;
        memcpy(buf, h + 1, n - 2);
        buf[n - 2] = '\0';
        return inet_pton(AF_INET6, buf, addr) == 1;
    }
    if (n == 0 || n > 253 || h[0] == '.' || h[0] == '-' || h[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)h[i]) || h[i] == '-' || (h[i] == '.' && h[i + 1] != '.')))
            return false;
    return true;
}

int
crm_public_url_check(const char *url, char *why, size_t whylen)
{
    size_t scheme = strncasecmp(url, "https://", 8) == 0  ? 8
                    : strncasecmp(url, "http://", 7) == 0 ? 7
                                                          : 0;
    size_t len = strlen(url);
    if (!scheme) {
        snprintf(why, whylen, "must start with http:// or https://");
        return -1;
    }
    if (len >= CRM_PUBLIC_URL_MAX) {
        snprintf(why, whylen, "must be shorter than %d characters", CRM_PUBLIC_URL_MAX);
        return -1;
    }
    const char *host = url + scheme, *end = url + len;
    if (end > host && end[-1] == '/')
        end--;
    const char *port = NULL;
    const char *close = host[0] == '[' ? memchr(host, ']', (size_t)(end - host)) : NULL;
    const char *colon = memchr(close ? close : host, ':', (size_t)(end - (close ? close : host)));
    if (colon) {
        port = colon + 1;
        long p = 0;
        for (const char *c = port; c < end && p <= 65535; c++)
            p = isdigit((unsigned char)*c) ? p * 10 + (*c - '0') : 65536;
        if (port == end || p < 1 || p > 65535) {
            snprintf(why, whylen, "the port must be a number from 1 to 65535");
            return -1;
        }
    }
    if (!crm_public_host_ok(host, (size_t)((colon ? colon : end) - host))) {
        snprintf(why, whylen,
                 "expected scheme://host[:port] with nothing after it (no user, path or query), "
                 "e.g. https://crm.example.com");
        return -1;
    }
    return 0;
}

void
crm_public_url_set(const char *url)
{
    crm_public_url_store(url);
}

void
crm_public_url_set_default(const char *listen_host, bool ipv6, int port)
{
    const char *host = listen_host;
    if (strcmp(host, "0.0.0.0") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    char url[CRM_PUBLIC_URL_MAX];
    if (ipv6)
        snprintf(url, sizeof(url), "http://[%s]:%d", host, port);
    else
        snprintf(url, sizeof(url), "http://%s:%d", host, port);
    crm_public_url_store(url);
}

const char *
crm_public_url(void)
{
    return atomic_load_explicit(&crm_public_base, memory_order_acquire);
}

bool
crm_public_url_https(void)
{
    return strncmp(crm_public_url(), "https:", 6) == 0;
}

bool
crm_public_url_local_http(void)
{
    return crm_loopback_http_url(crm_public_url());
}

char *
crm_public_url_to(crm_arena_t *a, const char *path)
{
    return crm_arena_sprintf(a, "%s%s", crm_public_url(), path);
}
