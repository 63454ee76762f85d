/* csv.c - reading RFC 4180 CSV into arena strings, one record at a time */
#include "core/csv.h"

#include <string.h>

#include "core/buf.h"

void
crm_csv_init(crm_csv_t *c, crm_arena_t *a, const char *data, size_t len)
{
    c->p = data;
    c->end = data + len;
    c->arena = a;
    c->line = 1;
    c->error = NULL;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        c->p += 3;
}

bool
crm_csv_next(crm_csv_t *c, crm_csv_record_t *rec)
{
    rec->count = 0;
    rec->fields = NULL;
    rec->line = c->line;
    if (c->p >= c->end || c->error)
        return false;
    size_t cap = 16;
    rec->fields = crm_arena_alloc(c->arena, cap * sizeof(char *));
    crm_buf_t field;
    for (;;) {
        crm_buf_init(&field, c->arena, 32);
        if (c->p < c->end && *c->p == '"') {
            c->p++;
            for (;;) {
                if (c->p >= c->end) {
                    c->error = "a quoted field is not closed";
                    return false;
                }
                if (*c->p == '"') {
                    if (c->p + 1 < c->end && c->p[1] == '"') {
                        crm_buf_putc(&field, '"');
                        c->p += 2;
                        continue;
                    }
                    c->p++;
                    break;
                }
                if (*c->p == '\n')
                    c->line++;
                crm_buf_putc(&field, *c->p++);
            }
            if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
                c->error = "text after a closing quote";
                return false;
            }
        } else {
            const char *start = c->p;
            while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
                if (*c->p == '"') {
                    c->error = "a quote inside an unquoted field";
                    return false;
                }
                c->p++;
            }
            crm_buf_append(&field, start, (size_t)(c->p - start));
        }
        if (rec->count == cap) {
            rec->fields = crm_arena_realloc(c->arena, rec->fields, cap * sizeof(char *),
                                            2 * cap * sizeof(char *));
            cap *= 2;
        }
        rec->fields[rec->count++] = field.data;
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == '\r')
            c->p++;
        if (c->p < c->end && *c->p == '\n')
            c->p++;
        c->line++;
        return true;
    }
}
