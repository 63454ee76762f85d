/* buf.c - growable byte buffer in an arena (or on the heap, freed with the arena) */
#include "core/util/buf.h"

#include "core/util/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
crm_buf_init(crm_buf_t *b, crm_arena_t *a, size_t cap)
{
    b->arena = a;
    b->cap = cap < 64 ? 64 : cap;
    b->data = crm_arena_alloc(a, b->cap);
    b->data[0] = '\0';
    b->len = 0;
    b->heap = 0;
}

static void
crm_buf_free_heap(void *p)
{
    free(((crm_buf_t *)p)->data);
}

crm_buf_t *
crm_buf_new_heap(crm_arena_t *a, size_t cap)
{
    crm_buf_t *b = crm_arena_alloc(a, sizeof(*b));
    b->arena = a;
    b->cap = cap < 64 ? 64 : cap;
    b->data = crm_xmalloc(b->cap);
    b->data[0] = '\0';
    b->len = 0;
    b->heap = 1;
    crm_arena_cleanup(a, crm_buf_free_heap, b);
    return b;
}

void
crm_buf_release(crm_buf_t *b)
{
    if (!b->heap)
        return;
    free(b->data);
    b->cap = 64;
    b->data = crm_xmalloc(b->cap);
    b->data[0] = '\0';
    b->len = 0;
}

static void
crm_buf_reserve(crm_buf_t *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap * 2;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data =
        b->heap ? crm_xrealloc(b->data, cap) : crm_arena_realloc(b->arena, b->data, b->cap, cap);
    b->cap = cap;
}

void
crm_buf_append(crm_buf_t *b, const char *s, size_t n)
{
    crm_buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
crm_buf_puts(crm_buf_t *b, const char *s)
{
    crm_buf_append(b, s, strlen(s));
}

void
crm_buf_putc(crm_buf_t *b, char c)
{
    crm_buf_append(b, &c, 1);
}

void
crm_buf_printf(crm_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= b->cap - b->len) {
        crm_buf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void
crm_buf_json_string(crm_buf_t *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    crm_buf_putc(b, '"');
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x80) { /* a well-formed sequence goes as it is, anything else as U+FFFD */
            size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (crm_utf8_check(s, n) == CRM_UTF8_VALID) {
                s += n - 1;
                continue;
            }
            crm_buf_append(b, run, (size_t)(s - run));
            crm_buf_puts(b, "\\ufffd");
            run = s + 1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        crm_buf_append(b, run, (size_t)(s - run));
        run = s + 1;
        switch (c) {
        case '"':
            crm_buf_puts(b, "\\\"");
            break;
        case '\\':
            crm_buf_puts(b, "\\\\");
            break;
        case '\n':
            crm_buf_puts(b, "\\n");
            break;
        case '\r':
            crm_buf_puts(b, "\\r");
            break;
        case '\t':
            crm_buf_puts(b, "\\t");
            break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            crm_buf_append(b, esc, sizeof(esc));
        }
        }
    }
    crm_buf_append(b, run, (size_t)(s - run));
    crm_buf_putc(b, '"');
}
