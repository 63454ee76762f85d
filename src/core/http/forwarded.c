/* forwarded.c - the client's address and scheme behind trusted proxies (X-Forwarded-For/-Proto) */
#include "core/http/forwarded.h"

#include <string.h>
#include <strings.h>

static bool
crm_is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* The address of one X-Forwarded-For entry: "a.b.c.d", "a.b.c.d:port", "v6", "[v6]",
 * "[v6]:port" (some proxies add the client's port). */
static bool
crm_forwarded_entry(const char *s, size_t len, crm_ip_t *ip)
{
    while (len && crm_is_space(*s))
        s++, len--;
    while (len && crm_is_space(s[len - 1]))
        len--;
    if (len && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close)
            return false;
        size_t rest = len - (size_t)(close - s) - 1;
        if (rest && close[1] != ':')
            return false;
        return crm_ip_parse(s + 1, (size_t)(close - s) - 1, ip);
    }
    const char *colon = memchr(s, ':', len);
    if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - s) - 1)) /* v4:port */
        len = (size_t)(colon - s);
    return crm_ip_parse(s, len, ip);
}

/* The last comma-separated value of list, trimmed, as [start, start + len). */
static const char *
crm_forwarded_last(const char *list, size_t *len)
{
    const char *comma = strrchr(list, ',');
    const char *s = comma ? comma + 1 : list;
    while (crm_is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n && crm_is_space(s[n - 1]))
        n--;
    *len = n;
    return s;
}

void
crm_forwarded_resolve(const crm_cidr_list_t *trusted, const char *peer, const char *xff,
                      const char *xfp, crm_forwarded_t *out)
{
    memset(out, 0, sizeof(*out));
    crm_ip_t ip;
    if (!crm_ip_parse(peer, strlen(peer), &ip))
        return;
    crm_ip_format(&ip, out->client_ip);
    if (!trusted || trusted->n == 0 || !crm_cidr_list_contains(trusted, &ip))
        return;
    out->proxied = true;
    if (xfp) {
        size_t n;
        const char *proto = crm_forwarded_last(xfp, &n);
        out->https = n == 5 && strncasecmp(proto, "https", 5) == 0;
    }
    if (!xff)
        return;
    for (const char *end = xff + strlen(xff);;) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        if (!crm_forwarded_entry(start, (size_t)(end - start), &ip))
            return; /* not an address: the hop that sent it is the client */
        crm_ip_format(&ip, out->client_ip);
        if (!crm_cidr_list_contains(trusted, &ip) || start == xff)
            return;
        end = start - 1;
    }
}
