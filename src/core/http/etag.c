/* etag.c - entity-tag lists of conditional requests (If-None-Match), read for comparison */
#include <string.h>

#include "core/http/etag.h"
#include "core/util/buf.h"

static const char *
crm_etags_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* etagc: %x21 / %x23-7E (obs-text refused: the tags go to the database as text) */
static int
crm_etags_char(char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x7e);
}

crm_etags_t
crm_etags_parse(const char *value, crm_arena_t *a, const char **tags)
{
    *tags = NULL;
    if (!value)
        return CRM_ETAGS_NONE;
    const char *p = crm_etags_ows(value);
    if (*p == '*')
        return *crm_etags_ows(p + 1) == '\0' ? CRM_ETAGS_ANY : CRM_ETAGS_NONE;
    crm_buf_t b;
    crm_buf_init(&b, a, strlen(value) * 2 + 3);
    crm_buf_putc(&b, '{');
    int n = 0;
    for (;;) {
        p = crm_etags_ows(p);
        if (*p == ',') { /* empty list elements are allowed (RFC 9110 5.6.1.2) */
            p++;
            continue;
        }
        if (*p == '\0')
            break;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p++ != '"' || ++n > CRM_ETAGS_MAX)
            return CRM_ETAGS_NONE;
        crm_buf_puts(&b, n > 1 ? ",\"" : "\"");
        for (; *p != '"'; p++) {
            if (!crm_etags_char(*p))
                return CRM_ETAGS_NONE;
            if (*p == '\\')
                crm_buf_putc(&b, '\\');
            crm_buf_putc(&b, *p);
        }
        crm_buf_putc(&b, '"');
        p = crm_etags_ows(p + 1);
        if (*p != ',' && *p != '\0')
            return CRM_ETAGS_NONE;
    }
    if (n == 0)
        return CRM_ETAGS_NONE;
    crm_buf_putc(&b, '}');
    *tags = b.data;
    return CRM_ETAGS_LIST;
}
