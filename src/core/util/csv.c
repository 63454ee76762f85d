/* csv.c - reading RFC 4180 CSV one record at a time into memory the reader reuses */
#include "core/util/csv.h"

#include <string.h>

void
crm_csv_init(crm_csv_t *c, crm_arena_t *a, const char *data, size_t len)
{
    c->p = data;
    c->end = data + len;
    c->arena = a;
    c->line = 1;
    c->error = NULL;
    c->fault = CRM_CSV_FAULT_NONE;
    c->column = 0;
    c->text = NULL;
    c->text_cap = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        c->p += 3;
}

static bool
crm_csv_fail(crm_csv_t *c, crm_csv_fault_t fault, size_t column, const char *error)
{
    c->fault = fault;
    c->column = column;
    c->error = error;
    return false;
}

/* Room for n more bytes after used; the buffer only grows, to the longest record read. */
static void
crm_csv_reserve(crm_csv_t *c, size_t used, size_t n)
{
    if (used + n <= c->text_cap)
        return;
    size_t cap = c->text_cap ? c->text_cap : 256;
    while (cap < used + n)
        cap *= 2;
    c->text = crm_arena_realloc(c->arena, c->text, c->text_cap, cap);
    c->text_cap = cap;
}

/* Appends the field's next n bytes, refusing to let it grow past the limit. */
static bool
crm_csv_put(crm_csv_t *c, size_t *used, size_t field_start, const char *s, size_t n, size_t column)
{
    if (*used - field_start + n > CRM_CSV_MAX_FIELD_BYTES)
        return crm_csv_fail(c, CRM_CSV_FAULT_FIELD_TOO_LONG, column,
                            "a field is longer than the limit");
    crm_csv_reserve(c, *used, n + 1);
    memcpy(c->text + *used, s, n);
    *used += n;
    return true;
}

/* A quoted field, c->p just past its opening quote. */
static bool
crm_csv_quoted(crm_csv_t *c, size_t *used, size_t field_start, size_t column)
{
    for (;;) {
        const char *q = memchr(c->p, '"', (size_t)(c->end - c->p));
        const char *stop = q ? q : c->end;
        for (const char *nl = c->p; (nl = memchr(nl, '\n', (size_t)(stop - nl))) != NULL; nl++)
            c->line++;
        if (!crm_csv_put(c, used, field_start, c->p, (size_t)(stop - c->p), column))
            return false;
        if (!q) {
            c->p = c->end;
            return crm_csv_fail(c, CRM_CSV_FAULT_MALFORMED, 0, "a quoted field is not closed");
        }
        c->p = q + 1;
        if (c->p < c->end && *c->p == '"') { /* a doubled quote */
            if (!crm_csv_put(c, used, field_start, "\"", 1, column))
                return false;
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
            return crm_csv_fail(c, CRM_CSV_FAULT_MALFORMED, 0, "text after a closing quote");
        return true;
    }
}

static bool
crm_csv_plain(crm_csv_t *c, size_t *used, size_t field_start, size_t column)
{
    const char *start = c->p;
    while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
        if (*c->p == '"')
            return crm_csv_fail(c, CRM_CSV_FAULT_MALFORMED, 0, "a quote inside an unquoted field");
        c->p++;
    }
    return crm_csv_put(c, used, field_start, start, (size_t)(c->p - start), column);
}

bool
crm_csv_next(crm_csv_t *c, crm_csv_record_t *rec)
{
    rec->count = 0;
    rec->fields = c->fields;
    rec->line = c->line;
    if (c->p >= c->end || c->error)
        return false;
    size_t used = 0, n = 0;
    for (;;) {
        if (n == CRM_CSV_MAX_FIELDS)
            return crm_csv_fail(c, CRM_CSV_FAULT_TOO_MANY_FIELDS, n + 1,
                                "a record has more fields than the limit");
        c->start[n] = used;
        bool ok;
        if (c->p < c->end && *c->p == '"') {
            c->p++;
            ok = crm_csv_quoted(c, &used, used, n + 1);
        } else {
            ok = crm_csv_plain(c, &used, used, n + 1);
        }
        if (!ok)
            return false;
        crm_csv_reserve(c, used, 1);
        c->text[used++] = '\0';
        n++;
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == '\r')
            c->p++;
        if (c->p < c->end && *c->p == '\n')
            c->p++;
        c->line++;
        break;
    }
    /* the text may have moved while it grew: the fields are placed once it is complete */
    for (size_t i = 0; i < n; i++)
        c->fields[i] = c->text + c->start[i];
    rec->count = n;
    return true;
}
