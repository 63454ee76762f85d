/* form.c - decoding application/x-www-form-urlencoded bodies into arena-allocated pairs */
#include "core/messaging/form.h"

#include <string.h>

#include "core/util/json.h"

static int
crm_form_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..len) into out (room for len + 1 bytes); -1 when malformed. */
static int
crm_form_decode(const char *s, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < len ? crm_form_hex(s[i + 1]) : -1;
            int lo = i + 2 < len ? crm_form_hex(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0')
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return crm_utf8_check(out, o) == CRM_UTF8_VALID ? 0 : -1;
}

long
crm_form_parse(crm_arena_t *a, const char *body, size_t len, crm_form_field **fields)
{
    long n = 0;
    for (size_t i = 0; i < len; i++)
        n += body[i] == '&';
    *fields = crm_arena_alloc(a, (size_t)(n + 1) * sizeof(**fields));
    n = 0;
    for (size_t start = 0; start < len;) {
        const char *amp = memchr(body + start, '&', len - start);
        size_t end = amp ? (size_t)(amp - body) : len;
        if (end > start) {
            const char *piece = body + start;
            size_t plen = end - start;
            const char *eq = memchr(piece, '=', plen);
            size_t nlen = eq ? (size_t)(eq - piece) : plen;
            size_t vlen = eq ? plen - nlen - 1 : 0;
            char *name = crm_arena_alloc(a, nlen + 1);
            char *value = crm_arena_alloc(a, vlen + 1);
            if (crm_form_decode(piece, nlen, name) != 0 ||
                crm_form_decode(eq ? eq + 1 : "", vlen, value) != 0)
                return -1;
            (*fields)[n].name = name;
            (*fields)[n].value = value;
            n++;
        }
        start = end + 1;
    }
    return n;
}

const char *
crm_form_get(const crm_form_field *fields, long n, const char *name)
{
    for (long i = 0; i < n; i++)
        if (strcmp(fields[i].name, name) == 0)
            return fields[i].value;
    return NULL;
}
