/* loopback.c - whether a host or an http:// URL names this machine (localhost, 127.0.0.1, ::1) */
#include "core/util/loopback.h"

#include <string.h>
#include <strings.h>

bool
crm_loopback_host(const char *host, size_t len)
{
    static const char *const names[] = {"localhost", "127.0.0.1", "::1", "[::1]"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == len && strncasecmp(host, names[i], len) == 0)
            return true;
    return false;
}

bool
crm_loopback_http_url(const char *url)
{
    if (strncmp(url, "http://", 7) != 0)
        return false;
    const char *host = url + 7;
    size_t len = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":/");
    if (host[0] == '[' && host[len - 1] != ']')
        return false;
    /* then a port, a path or the end (strchr finds the NUL too) */
    return crm_loopback_host(host, len) && strchr(":/", host[len]) != NULL;
}
