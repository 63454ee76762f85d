/* phone.c - phone numbers to E.164, with a country for numbers written the national way.
 * Not a full numbering plan (no libphonenumber for C in Debian): international numbers are
 * checked for shape (7 to 15 digits after the country code's first digit), national ones get
 * the country's calling code with the trunk prefix dropped. */
#include "core/util/phone.h"

#include <stdio.h>
#include <string.h>

typedef struct crm_country {
    const char *iso;
    const char *code;  /* calling code */
    const char *trunk; /* national trunk prefix dropped after the code, or "" */
} crm_country_t;

static const crm_country_t crm_countries[] = {
    {"AE", "971", "0"}, {"AR", "54", "0"},  {"AT", "43", "0"},  {"AU", "61", "0"},
    {"BE", "32", "0"},  {"BG", "359", "0"}, {"BR", "55", "0"},  {"CA", "1", "1"},
    {"CH", "41", "0"},  {"CL", "56", ""},   {"CN", "86", "0"},  {"CO", "57", ""},
    {"CY", "357", ""},  {"CZ", "420", ""},  {"DE", "49", "0"},  {"DK", "45", ""},
    {"EE", "372", ""},  {"EG", "20", "0"},  {"ES", "34", ""},   {"FI", "358", "0"},
    {"FR", "33", "0"},  {"GB", "44", "0"},  {"GR", "30", ""},   {"HK", "852", ""},
    {"HR", "385", "0"}, {"HU", "36", "06"}, {"IE", "353", "0"}, {"IL", "972", "0"},
    {"IN", "91", "0"},  {"IS", "354", ""},  {"IT", "39", ""},   {"JP", "81", "0"},
    {"KE", "254", "0"}, {"KR", "82", "0"},  {"LT", "370", "8"}, {"LU", "352", ""},
    {"LV", "371", ""},  {"MT", "356", ""},  {"MX", "52", ""},   {"MY", "60", "0"},
    {"NG", "234", "0"}, {"NL", "31", "0"},  {"NO", "47", ""},   {"NZ", "64", "0"},
    {"PH", "63", "0"},  {"PK", "92", "0"},  {"PL", "48", ""},   {"PT", "351", ""},
    {"RO", "40", "0"},  {"RS", "381", "0"}, {"SA", "966", "0"}, {"SE", "46", "0"},
    {"SG", "65", ""},   {"SI", "386", "0"}, {"SK", "421", "0"}, {"TH", "66", "0"},
    {"TR", "90", "0"},  {"TW", "886", "0"}, {"UA", "380", "0"}, {"US", "1", "1"},
    {"VN", "84", "0"},  {"ZA", "27", "0"},
};

/* The digits so far are an international prefix ("+" or "00") and 1 to 3 more: the most a
 * country code has. */
static bool
crm_phone_after_code(const char *digits, size_t n, bool plus)
{
    size_t code = n;
    if (!plus) {
        if (n < 2 || digits[0] != '0' || digits[1] != '0')
            return false;
        code = n - 2;
    }
    return code >= 1 && code <= 3;
}

bool
crm_phone_e164(const char *input, const char *default_country, char out[CRM_PHONE_MAX])
{
    char digits[32];
    size_t n = 0;
    bool plus = false;
    const char *p = input;
    while (*p == ' ')
        p++;
    if (*p == '+') {
        plus = true;
        p++;
    }
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (n == sizeof(digits) - 1)
                return false;
            digits[n++] = *p;
        } else if (strncmp(p, "(0)", 3) == 0 && crm_phone_after_code(digits, n, plus)) {
            p += 2; /* "+44 (0)20 ...": the trunk prefix for callers at home, not dialled here */
        } else if (!strchr(" .-()/", *p)) {
            return false;
        }
    }
    digits[n] = '\0';
    const char *d = digits;
    if (!plus && strncmp(d, "00", 2) == 0) { /* international prefix used in most countries */
        plus = true;
        d += 2;
    }
    char buf[40];
    if (plus) {
        snprintf(buf, sizeof(buf), "%s", d);
    } else {
        const crm_country_t *c = NULL;
        for (size_t i = 0; default_country && i < sizeof(crm_countries) / sizeof(crm_countries[0]);
             i++)
            if (strcmp(crm_countries[i].iso, default_country) == 0)
                c = &crm_countries[i];
        if (!c)
            return false;
        size_t t = strlen(c->trunk);
        if (t && strncmp(d, c->trunk, t) == 0 && strlen(d) > t + 6)
            d += t;
        snprintf(buf, sizeof(buf), "%s%s", c->code, d);
    }
    size_t len = strlen(buf);
    if (len < 8 || len > 15 || buf[0] == '0')
        return false;
    out[0] = '+';
    memcpy(out + 1, buf, len + 1);
    return true;
}

bool
crm_sms_sender(const char *input, char out[CRM_PHONE_MAX])
{
    if (!input)
        return false;
    if (input[0] == '+')
        return crm_phone_e164(input, NULL, out);
    size_t n = strlen(input);
    bool letter = false, ok = n >= 1 && n <= CRM_SMS_SENDER_ID_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char c = input[i];
        bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        letter = letter || alpha;
        ok = alpha || (c >= '0' && c <= '9') || c == ' ';
    }
    if (!ok || !letter)
        return false;
    memcpy(out, input, n + 1);
    return true;
}
