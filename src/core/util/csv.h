/* csv.h - reading RFC 4180 CSV: quoted fields, doubled quotes, line breaks inside quotes,
 * CRLF or LF, an optional UTF-8 byte order mark */
#ifndef CRM_CORE_CSV_H
#define CRM_CORE_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util/arena.h"

/* A record has at most this many fields, a field at most this many bytes (after unquoting):
 * the memory a record takes is bounded, whatever the input. */
#define CRM_CSV_MAX_FIELDS      100
#define CRM_CSV_MAX_FIELD_BYTES 65536

typedef enum crm_csv_fault {
    CRM_CSV_FAULT_NONE,
    CRM_CSV_FAULT_MALFORMED,       /* not CSV: an open quote, text after a closing quote, ... */
    CRM_CSV_FAULT_TOO_MANY_FIELDS, /* a record with more than CRM_CSV_MAX_FIELDS fields */
    CRM_CSV_FAULT_FIELD_TOO_LONG,  /* a field longer than CRM_CSV_MAX_FIELD_BYTES */
} crm_csv_fault_t;

typedef struct crm_csv {
    const char *p, *end;
    crm_arena_t *arena;
    size_t line;           /* line number where the current record started (1-based); at a malformed
                              record, the line of the fault */
    const char *error;     /* what is wrong, once crm_csv_next returned false for a fault */
    crm_csv_fault_t fault; /* its kind */
    size_t column;         /* the field (1-based) a limit was passed in (TOO_MANY, TOO_LONG) */
    /* the current record, reused by each call: its text (fields NUL-separated) and fields */
    char *text;
    size_t text_cap;
    size_t start[CRM_CSV_MAX_FIELDS];
    char *fields[CRM_CSV_MAX_FIELDS];
} crm_csv_t;

typedef struct crm_csv_record {
    char **fields; /* NUL-terminated; valid until the next crm_csv_next on the same reader */
    size_t count;
    size_t line;
} crm_csv_record_t;

void crm_csv_init(crm_csv_t *c, crm_arena_t *a, const char *data, size_t len);
/* The next record: true with it, false at the end or on a fault (c->error and c->fault set,
 * rec->line the line the record started on). The record's memory is the reader's and is
 * reused by the next call, so reading a file takes the memory of its longest record. */
bool crm_csv_next(crm_csv_t *c, crm_csv_record_t *rec);

#endif
