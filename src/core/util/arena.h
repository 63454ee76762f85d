/* arena.h - per-request memory: bump allocation, cleanups, one destroy; abort-on-failure malloc */
#ifndef CRM_CORE_ARENA_H
#define CRM_CORE_ARENA_H

#include <stddef.h>

typedef struct crm_arena crm_arena_t;
typedef void (*crm_cleanup_fn)(void *ptr);

/* Long-lived allocations (config, route tables): abort with a message when memory runs out. */
void *crm_xmalloc(size_t n);
void *crm_xcalloc(size_t count, size_t n);
void *crm_xrealloc(void *p, size_t n);
char *crm_xstrdup(const char *s);

crm_arena_t *crm_arena_create(size_t first_block_size);
/* Runs the cleanups in reverse order of registration, then frees every block. */
void crm_arena_destroy(crm_arena_t *a);

void *crm_arena_alloc(crm_arena_t *a, size_t n);
void *crm_arena_calloc(crm_arena_t *a, size_t n);
/* Grows the most recent allocation in place when it can, copies otherwise. */
void *crm_arena_realloc(crm_arena_t *a, void *old, size_t old_size, size_t new_size);
char *crm_arena_strdup(crm_arena_t *a, const char *s);
char *crm_arena_strndup(crm_arena_t *a, const char *s, size_t n);
char *crm_arena_sprintf(crm_arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Registers fn(ptr) to run when the arena is destroyed (PQclear, json_decref, free, close). */
void crm_arena_cleanup(crm_arena_t *a, crm_cleanup_fn fn, void *ptr);

/* Bytes handed out so far (for tests and metrics). */
size_t crm_arena_used(const crm_arena_t *a);

#endif
