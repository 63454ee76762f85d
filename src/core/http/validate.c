/* validate.c - reading fields of a JSON request body, recording a problem for each bad one */
#include "core/http/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util/uuid.h"

bool
crm_body_fields(crm_req_t *r, const char *const *known)
{
    if (!json_is_object(r->json)) {
        crm_req_field_error(r, "body", "must be a JSON object");
        crm_reply_problem(r, 422, "the request body must be a JSON object");
        return false;
    }
    const char *key;
    json_t *value;
    json_object_foreach(r->json, key, value)
    {
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++)
            ok = strcmp(*k, key) == 0;
        if (!ok)
            crm_req_field_error(r, key, "is not a field of this resource");
    }
    return true;
}

const char *
crm_field_text(crm_req_t *r, const char *name, bool required, size_t *len)
{
    json_t *v = json_object_get(r->json, name);
    if (!v || json_is_null(v)) {
        if (required)
            crm_req_field_error(r, name, "is required");
        return NULL;
    }
    if (!json_is_string(v)) {
        crm_req_field_error(r, name, "must be a string");
        return NULL;
    }
    *len = json_string_length(v);
    return json_string_value(v);
}

const char *
crm_field_string(crm_req_t *r, const char *name, bool required, size_t max_len)
{
    size_t len;
    const char *s = crm_field_text(r, name, required, &len);
    if (!s)
        return NULL;
    if (len == 0 || len > max_len || strlen(s) != len) {
        crm_req_field_error(r, name, "must be 1 to %zu bytes of text", max_len);
        return NULL;
    }
    return s;
}

bool
crm_field_bool(crm_req_t *r, const char *name, bool dflt)
{
    json_t *v = json_object_get(r->json, name);
    if (!v)
        return dflt;
    if (!json_is_boolean(v)) {
        crm_req_field_error(r, name, "must be true or false");
        return dflt;
    }
    return json_is_true(v);
}

bool
crm_field_present(crm_req_t *r, const char *name)
{
    return json_object_get(r->json, name) != NULL;
}

bool
crm_fields_failed(crm_req_t *r, const char *what)
{
    if (!r->errors)
        return false;
    crm_reply_problem(r, 422, "%s", what);
    return true;
}

bool
crm_field_is_null(crm_req_t *r, const char *name)
{
    return json_is_null(json_object_get(r->json, name));
}

const char *
crm_field_enum(crm_req_t *r, const char *name, const char *const *allowed, bool required)
{
    const char *v = crm_field_string(r, name, required, 64);
    if (!v)
        return NULL;
    for (const char *const *a = allowed; *a; a++)
        if (strcmp(*a, v) == 0)
            return v;
    char list[256] = "";
    size_t off = 0;
    for (const char *const *a = allowed; *a && off < sizeof(list); a++)
        off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", off ? ", " : "", *a);
    crm_req_field_error(r, name, "must be one of %s", list);
    return NULL;
}

const char *
crm_field_uuid(crm_req_t *r, const char *name, bool required)
{
    const char *v = crm_field_string(r, name, required, 36);
    if (v && !crm_uuid_valid(v)) {
        crm_req_field_error(r, name, "must be a UUID");
        return NULL;
    }
    return v;
}

static bool
crm_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool
crm_valid_date(const char *s, bool not_future)
{
    /* digits only: sscanf's %d would also take a sign or leading white space ("2026- 1-27") */
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !crm_digits(s, 4) ||
        !crm_digits(s + 5, 2) || !crm_digits(s + 8, 2))
        return false;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 ||
        d > days[m - 1] + (m == 2 && leap ? 1 : 0))
        return false;
    if (not_future) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        char today[16];
        strftime(today, sizeof(today), "%Y-%m-%d", &tm);
        if (strcmp(s, today) > 0)
            return false;
    }
    return true;
}

const char *
crm_field_date(crm_req_t *r, const char *name, bool required)
{
    const char *v = crm_field_string(r, name, required, 10);
    if (v && !crm_valid_date(v, true)) {
        crm_req_field_error(r, name, "must be a date YYYY-MM-DD from 1900 to today");
        return NULL;
    }
    return v;
}

bool
crm_valid_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || at - s > 64)
        return false;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || dot[1] == '\0')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || *p == ',' || *p == ';' || *p == '<' || *p == '>')
            return false;
    return strlen(s) <= 254;
}

const char *
crm_field_email(crm_req_t *r, const char *name, bool required)
{
    const char *v = crm_field_string(r, name, required, 254);
    if (v && !crm_valid_email(v)) {
        crm_req_field_error(r, name, "must be an email address");
        return NULL;
    }
    return v;
}

bool
crm_valid_time(const char *s)
{
    size_t n = strlen(s);
    if (n < 20 || !(s[10] == 'T' || s[10] == 't' || s[10] == ' ') || s[13] != ':' || s[16] != ':' ||
        !crm_digits(s + 11, 2) || !crm_digits(s + 14, 2) || !crm_digits(s + 17, 2))
        return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!crm_valid_date(date, false) || (s[11] - '0') * 10 + (s[12] - '0') > 23 ||
        (s[14] - '0') > 5 || (s[17] - '0') > 5)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        size_t f = 0;
        while (p[f] >= '0' && p[f] <= '9')
            f++;
        if (f == 0 || f > 9)
            return false;
        p += f;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
        return true;
    /* at most 15:59 either way, the widest offset PostgreSQL stores (those in use lie between
     * -12:00 and +14:00): a wider one would fail in the database, without naming the field */
    return (*p == '+' || *p == '-') && strlen(p) == 6 && crm_digits(p + 1, 2) && p[3] == ':' &&
           crm_digits(p + 4, 2) && (p[1] - '0') * 10 + (p[2] - '0') <= 15 && p[4] <= '5';
}

const char *
crm_field_time(crm_req_t *r, const char *name, bool required)
{
    const char *v = crm_field_string(r, name, required, 40);
    if (v && !crm_valid_time(v)) {
        crm_req_field_error(r, name,
                            "must be an RFC 3339 time with offset "
                            "(2026-11-27T09:30:00+01:00)");
        return NULL;
    }
    return v;
}
