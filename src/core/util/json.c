/* json.c - strict decoding of request bodies: UTF-8 validation and JSON parsing with positions */
#include "core/util/json.h"

#include <stdio.h>
#include <string.h>

size_t
crm_utf8_check(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return i;
        }
        if (i + n > len)
            return i;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k < n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        i += n;
    }
    return CRM_UTF8_VALID;
}

/* Replaces each byte that is not part of well-formed UTF-8 with '?': jansson's messages quote
 * the input near the fault and may cut a character in two ("near '\"e\\\xd0'"), and a problem
 * body must stay valid JSON. */
static void
crm_utf8_scrub(char *s)
{
    size_t len = strlen(s), off = 0, bad;
    while (off < len && (bad = crm_utf8_check(s + off, len - off)) != CRM_UTF8_VALID) {
        s[off + bad] = '?';
        off += bad + 1;
    }
}

json_t *
crm_json_parse(const char *s, size_t len, crm_json_error_t *err)
{
    memset(err, 0, sizeof(*err));
    size_t bad = crm_utf8_check(s, len);
    if (bad != CRM_UTF8_VALID) {
        err->position = bad;
        err->line = 1;
        for (size_t i = 0; i < bad; i++) {
            if (s[i] == '\n') {
                err->line++;
                err->column = 0;
            } else {
                err->column++;
            }
        }
        err->column++;
        snprintf(err->message, sizeof(err->message), "invalid UTF-8 byte 0x%02x",
                 (unsigned char)s[bad]);
        return NULL;
    }
    json_error_t je;
    json_t *v = json_loadb(s, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!v) {
        err->position = (size_t)je.position;
        err->line = je.line;
        err->column = je.column;
        snprintf(err->message, sizeof(err->message), "%s", je.text);
        crm_utf8_scrub(err->message);
    }
    return v;
}
