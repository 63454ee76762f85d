/* buf.h - growable byte buffer in an arena, for building responses, logs and metrics text */
#ifndef CRM_CORE_BUF_H
#define CRM_CORE_BUF_H

#include <stddef.h>

#include "core/util/arena.h"

typedef struct crm_buf {
    crm_arena_t *arena;
    char *data; /* always NUL-terminated */
    size_t len;
    size_t cap;
    int heap; /* grows with realloc (crm_buf_new_heap) */
} crm_buf_t;

void crm_buf_init(crm_buf_t *b, crm_arena_t *a, size_t cap);
/* A buffer for texts of megabytes: it grows with realloc, so growing leaves no old copies in
 * the arena, and its memory is freed when arena a is destroyed. */
crm_buf_t *crm_buf_new_heap(crm_arena_t *a, size_t cap);
/* Gives a heap buffer's memory back now, before its arena goes (it stays usable, empty). */
void crm_buf_release(crm_buf_t *b);
void crm_buf_append(crm_buf_t *b, const char *s, size_t n);
void crm_buf_puts(crm_buf_t *b, const char *s);
void crm_buf_putc(crm_buf_t *b, char c);
void crm_buf_printf(crm_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void crm_buf_json_string(crm_buf_t *b, const char *s);

#endif
