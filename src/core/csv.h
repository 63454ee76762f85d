/* csv.h - reading RFC 4180 CSV: quoted fields, doubled quotes, line breaks inside quotes,
 * CRLF or LF, an optional UTF-8 byte order mark */
#ifndef CRM_CORE_CSV_H
#define CRM_CORE_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

typedef struct crm_csv {
    const char *p, *end;
    crm_arena_t *arena;
    size_t line; /* line number where the current record started (1-based) */
    const char *error;
} crm_csv_t;

typedef struct crm_csv_record {
    char **fields; /* NUL-terminated copies in the arena */
    size_t count;
    size_t line;
} crm_csv_record_t;

void crm_csv_init(crm_csv_t *c, crm_arena_t *a, const char *data, size_t len);
/* The next record: true with it, false at the end or on a malformed record (c->error set). */
bool crm_csv_next(crm_csv_t *c, crm_csv_record_t *rec);

#endif
