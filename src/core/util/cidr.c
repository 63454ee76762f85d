/* cidr.c - IP addresses and CIDR ranges (IPv4 and IPv6): parsing, formatting, matching */
#include "core/util/cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char crm_v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool
crm_ip_parse(const char *text, size_t len, crm_ip_t *out)
{
    char buf[CRM_IP_TEXT_MAX];
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, out->b) == 1) {
        out->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, buf, out->b) != 1)
        return false;
    out->family = AF_INET6;
    if (memcmp(out->b, crm_v4_mapped, sizeof(crm_v4_mapped)) == 0) {
        memmove(out->b, out->b + 12, 4);
        memset(out->b + 4, 0, 12);
        out->family = AF_INET;
    }
    return true;
}

void
crm_ip_format(const crm_ip_t *ip, char *out)
{
    if (!inet_ntop(ip->family, ip->b, out, CRM_IP_TEXT_MAX))
        out[0] = '\0';
}

bool
crm_cidr_parse(const char *text, size_t len, crm_cidr_t *out)
{
    const char *slash = memchr(text, '/', len);
    size_t addr_len = slash ? (size_t)(slash - text) : len;
    if (!crm_ip_parse(text, addr_len, &out->net))
        return false;
    int max = out->net.family == AF_INET ? 32 : 128;
    out->bits = max;
    if (slash) {
        const char *p = slash + 1, *end = text + len;
        if (p == end || end - p > 3)
            return false;
        int bits = 0;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9')
                return false;
            bits = bits * 10 + (*p - '0');
        }
        if (bits > max)
            return false;
        out->bits = bits;
    }
    for (int i = out->bits; i < max; i++) /* an address inside the range is a mistake */
        if (out->net.b[i / 8] & (0x80 >> (i % 8)))
            return false;
    return true;
}

bool
crm_cidr_contains(const crm_cidr_t *c, const crm_ip_t *ip)
{
    if (c->net.family != ip->family)
        return false;
    int whole = c->bits / 8, rest = c->bits % 8;
    if (memcmp(c->net.b, ip->b, (size_t)whole) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (c->net.b[whole] & mask) == (ip->b[whole] & mask);
}

bool
crm_cidr_list_contains(const crm_cidr_list_t *l, const crm_ip_t *ip)
{
    for (size_t i = 0; i < l->n; i++)
        if (crm_cidr_contains(&l->items[i], ip))
            return true;
    return false;
}

int
crm_cidr_list_parse(const char *text, crm_cidr_list_t *out, char *why, size_t whylen)
{
    out->n = 0;
    const char *p = text;
    for (;;) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, ", \t");
        if (out->n == CRM_CIDR_LIST_MAX) {
            snprintf(why, whylen, "at most %d ranges", CRM_CIDR_LIST_MAX);
            return -1;
        }
        if (!crm_cidr_parse(p, len, &out->items[out->n])) {
            snprintf(why, whylen,
                     "'%.*s' is not an address or a CIDR range (10.0.0.0/8, fd00::/8) with "
                     "zero host bits",
                     (int)(len > 64 ? 64 : len), p);
            return -1;
        }
        out->n++;
        p += len;
    }
    if (out->n == 0) {
        snprintf(why, whylen, "expected a list of CIDR ranges (10.0.0.0/8, fd00::/8)");
        return -1;
    }
    return 0;
}
