/* arena.c - per-request memory: bump allocation from chained blocks, cleanups, one destroy */
#include "core/util/arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CRM_ARENA_ALIGN alignof(max_align_t)

typedef struct crm_block {
    struct crm_block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    alignas(max_align_t) unsigned char data[];
} crm_block_t;

typedef struct crm_cleanup {
    struct crm_cleanup *next;
    crm_cleanup_fn fn;
    void *ptr;
} crm_cleanup_t;

struct crm_arena {
    crm_block_t *head; /* current block; older ones follow */
    crm_cleanup_t *cleanups;
    size_t block_size;
    size_t total_used;
    void *last;       /* most recent allocation, for in-place realloc */
    size_t last_size; /* its rounded size */
};

static void
crm_oom(size_t n)
{
    fprintf(stderr, "crm: out of memory allocating %zu bytes\n", n);
    abort();
}

void *
crm_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        crm_oom(n);
    return p;
}

void *
crm_xcalloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (!p)
        crm_oom(count * n);
    return p;
}

void *
crm_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        crm_oom(n);
    return q;
}

char *
crm_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(crm_xmalloc(n), s, n);
}

static size_t
crm_round_up(size_t n)
{
    if (n > SIZE_MAX - CRM_ARENA_ALIGN)
        crm_oom(n);
    return (n + CRM_ARENA_ALIGN - 1) & ~(CRM_ARENA_ALIGN - 1);
}

static crm_block_t *
crm_block_new(size_t size)
{
    crm_block_t *b = crm_xmalloc(sizeof(*b) + size);
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

crm_arena_t *
crm_arena_create(size_t first_block_size)
{
    crm_arena_t *a = crm_xcalloc(1, sizeof(*a));
    a->block_size = first_block_size < 256 ? 256 : crm_round_up(first_block_size);
    a->head = crm_block_new(a->block_size);
    return a;
}

void
crm_arena_destroy(crm_arena_t *a)
{
    if (!a)
        return;
    for (crm_cleanup_t *c = a->cleanups; c; c = c->next)
        c->fn(c->ptr);
    crm_block_t *b = a->head;
    while (b) {
        crm_block_t *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void *
crm_arena_alloc(crm_arena_t *a, size_t n)
{
    size_t need = crm_round_up(n ? n : 1);
    crm_block_t *b = a->head;
    if (b->size - b->used < need) {
        /* Big requests get a block of their own behind the current one, so the
         * current block keeps serving small requests. */
        if (need > a->block_size / 2) {
            crm_block_t *big = crm_block_new(need);
            big->used = need;
            big->next = b->next;
            b->next = big;
            a->total_used += need;
            a->last = NULL;
            return big->data;
        }
        if (a->block_size < 64 * 1024)
            a->block_size *= 2;
        b = crm_block_new(a->block_size);
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total_used += need;
    a->last = p;
    a->last_size = need;
    return p;
}

void *
crm_arena_calloc(crm_arena_t *a, size_t n)
{
    return memset(crm_arena_alloc(a, n), 0, n);
}

void *
crm_arena_realloc(crm_arena_t *a, void *old, size_t old_size, size_t new_size)
{
    if (!old)
        return crm_arena_alloc(a, new_size);
    if (new_size <= old_size)
        return old;
    crm_block_t *b = a->head;
    size_t need = crm_round_up(new_size);
    if (old == a->last && b->data + b->used == (unsigned char *)old + a->last_size &&
        (size_t)((unsigned char *)old - b->data) + need <= b->size) {
        b->used += need - a->last_size;
        a->total_used += need - a->last_size;
        a->last_size = need;
        return old;
    }
    void *p = crm_arena_alloc(a, new_size);
    memcpy(p, old, old_size);
    return p;
}

char *
crm_arena_strndup(crm_arena_t *a, const char *s, size_t n)
{
    char *p = crm_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
crm_arena_strdup(crm_arena_t *a, const char *s)
{
    return crm_arena_strndup(a, s, strlen(s));
}

char *
crm_arena_sprintf(crm_arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return crm_arena_strdup(a, "");
    char *p = crm_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void
crm_arena_cleanup(crm_arena_t *a, crm_cleanup_fn fn, void *ptr)
{
    crm_cleanup_t *c = crm_arena_alloc(a, sizeof(*c));
    c->fn = fn;
    c->ptr = ptr;
    c->next = a->cleanups;
    a->cleanups = c;
}

size_t
crm_arena_used(const crm_arena_t *a)
{
    return a->total_used;
}
