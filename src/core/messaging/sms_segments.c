/* sms_segments.c - GSM 03.38 membership by table, then segments packed character by character */
#include "core/messaging/sms_segments.h"

#include <stdbool.h>
#include <stdint.h>

#include "core/util/json.h"

/* The ASCII characters of GSM 03.38's default alphabet: LF, CR and the printable ones but the
 * backtick (0x60 is '¿' there) and the nine that live in the extension table. */
static bool
crm_sms_ascii_basic(uint32_t c)
{
    if (c == '\n' || c == '\r')
        return true;
    if (c < 0x20 || c > 0x7E || c == '`')
        return false;
    switch (c) {
    case '[':
    case '\\':
    case ']':
    case '^':
    case '{':
    case '|':
    case '}':
    case '~':
        return false;
    default:
        return true;
    }
}

/* The default alphabet's 39 characters outside ASCII. */
static const uint32_t crm_sms_gsm_basic[] = {
    0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7, 0x00BF, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
    0x00C9, 0x00D1, 0x00D6, 0x00D8, 0x00DC, 0x00DF, 0x00E0, 0x00E4, 0x00E5, 0x00E6,
    0x00E8, 0x00E9, 0x00EC, 0x00F1, 0x00F2, 0x00F6, 0x00F8, 0x00F9, 0x00FC, 0x0393,
    0x0394, 0x0398, 0x039B, 0x039E, 0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9,
};

/* The extension table (escape + one septet): form feed, ^ { } \ [ ~ ] | and the euro sign. */
static const uint32_t crm_sms_gsm_extension[] = {
    0x000C, '^', '{', '}', '\\', '[', '~', ']', '|', 0x20AC,
};

static bool
crm_sms_in(const uint32_t *table, size_t n, uint32_t c)
{
    for (size_t i = 0; i < n; i++)
        if (table[i] == c)
            return true;
    return false;
}

/* Septets the character takes in GSM-7 (1 or 2), or 0 when it has none. */
static unsigned
crm_sms_septets(uint32_t c)
{
    if (c < 0x80 && crm_sms_ascii_basic(c))
        return 1;
    if (crm_sms_in(crm_sms_gsm_extension, sizeof(crm_sms_gsm_extension) / sizeof(uint32_t), c))
        return 2;
    if (crm_sms_in(crm_sms_gsm_basic, sizeof(crm_sms_gsm_basic) / sizeof(uint32_t), c))
        return 1;
    return 0;
}

/* The code point at s[*i] of well-formed UTF-8; advances *i past it. */
static uint32_t
crm_sms_next(const unsigned char *s, size_t *i)
{
    unsigned char c = s[*i];
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (size_t k = 1; k < n; k++)
        cp = (cp << 6) | (s[*i + k] & 0x3Fu);
    *i += n;
    return cp;
}

/* Units of each character, in the chosen encoding. */
static unsigned
crm_sms_units(uint32_t c, crm_sms_encoding encoding)
{
    if (encoding == CRM_SMS_GSM7)
        return crm_sms_septets(c);
    return c >= 0x10000 ? 2 : 1;
}

int
crm_sms_measure(const char *text, size_t len, crm_sms_length *out)
{
    if (crm_utf8_check(text, len) != CRM_UTF8_VALID)
        return -1;
    const unsigned char *s = (const unsigned char *)text;
    out->encoding = CRM_SMS_GSM7;
    out->units = 0;
    for (size_t i = 0; i < len && out->encoding == CRM_SMS_GSM7;)
        if (crm_sms_septets(crm_sms_next(s, &i)) == 0)
            out->encoding = CRM_SMS_UCS2;
    for (size_t i = 0; i < len;)
        out->units += crm_sms_units(crm_sms_next(s, &i), out->encoding);
    size_t single = out->encoding == CRM_SMS_GSM7 ? CRM_SMS_GSM7_SINGLE : CRM_SMS_UCS2_SINGLE;
    size_t part = out->encoding == CRM_SMS_GSM7 ? CRM_SMS_GSM7_PART : CRM_SMS_UCS2_PART;
    if (out->units <= single) {
        out->segments = out->units > 0;
        return 0;
    }
    /* Packed one character at a time, so that none straddles two segments. */
    out->segments = 1;
    size_t used = 0;
    for (size_t i = 0; i < len;) {
        unsigned u = crm_sms_units(crm_sms_next(s, &i), out->encoding);
        if (used + u > part) {
            out->segments++;
            used = 0;
        }
        used += u;
    }
    return 0;
}

const char *
crm_sms_encoding_name(crm_sms_encoding encoding)
{
    return encoding == CRM_SMS_GSM7 ? "GSM-7" : "UCS-2";
}
