/* arena.c - unit tests of src/core/arena.c and src/core/buf.c: allocation, growth, cleanups */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdalign.h>
#include <string.h>

#include "core/util/arena.h"
#include "core/util/buf.h"

static void
test_alloc_is_aligned_and_distinct(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(256);
    char *p = crm_arena_alloc(a, 3);
    char *q = crm_arena_alloc(a, 5);
    assert_true((uintptr_t)p % alignof(max_align_t) == 0);
    assert_true((uintptr_t)q % alignof(max_align_t) == 0);
    assert_true(q >= p + 3);
    memset(p, 'x', 3);
    memset(q, 'y', 5);
    assert_int_equal(p[2], 'x');
    crm_arena_destroy(a);
}

static void
test_large_and_many_allocations(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(256);
    char *big = crm_arena_alloc(a, 100000);
    memset(big, 1, 100000);
    for (int i = 0; i < 10000; i++) {
        int *v = crm_arena_alloc(a, sizeof(int));
        *v = i;
    }
    assert_true(crm_arena_used(a) >= 100000 + 10000 * sizeof(int));
    crm_arena_destroy(a);
}

static int cleanup_order[3];
static int cleanup_count;

static void
record_cleanup(void *p)
{
    cleanup_order[cleanup_count++] = *(int *)p;
}

static void
test_cleanups_run_in_reverse_order(void **state)
{
    (void)state;
    static int one = 1, two = 2, three = 3;
    cleanup_count = 0;
    crm_arena_t *a = crm_arena_create(256);
    crm_arena_cleanup(a, record_cleanup, &one);
    crm_arena_cleanup(a, record_cleanup, &two);
    crm_arena_cleanup(a, record_cleanup, &three);
    assert_int_equal(cleanup_count, 0);
    crm_arena_destroy(a);
    assert_int_equal(cleanup_count, 3);
    assert_int_equal(cleanup_order[0], 3);
    assert_int_equal(cleanup_order[2], 1);
}

static void
test_realloc_keeps_content(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(256);
    char *p = crm_arena_alloc(a, 16);
    strcpy(p, "hello");
    char *q = crm_arena_realloc(a, p, 16, 64);
    assert_ptr_equal(p, q); /* the last allocation grows in place */
    crm_arena_alloc(a, 8);
    char *r = crm_arena_realloc(a, q, 64, 4096);
    assert_string_equal(r, "hello");
    crm_arena_destroy(a);
}

static void
test_strings(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(256);
    assert_string_equal(crm_arena_strndup(a, "abcdef", 3), "abc");
    assert_string_equal(crm_arena_sprintf(a, "%s-%d", "x", 42), "x-42");
    crm_buf_t b;
    crm_buf_init(&b, a, 4);
    for (int i = 0; i < 100; i++)
        crm_buf_printf(&b, "%d,", i);
    assert_int_equal(b.len, strlen(b.data));
    assert_true(strncmp(b.data, "0,1,2,", 6) == 0);
    crm_buf_t j;
    crm_buf_init(&j, a, 16);
    crm_buf_json_string(&j, "a\"b\\c\n\x01");
    assert_string_equal(j.data, "\"a\\\"b\\\\c\\n\\u0001\"");
    crm_arena_destroy(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_is_aligned_and_distinct),
        cmocka_unit_test(test_large_and_many_allocations),
        cmocka_unit_test(test_cleanups_run_in_reverse_order),
        cmocka_unit_test(test_realloc_keeps_content),
        cmocka_unit_test(test_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
