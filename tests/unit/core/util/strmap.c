/* strmap.c - unit tests of src/core/strmap.c: lookups, duplicates, a full map, many keys */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/util/strmap.h"

static void
test_add_and_get(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(1024);
    crm_strmap_t *m = crm_strmap_new(a, 4);
    uint32_t v = 0;
    assert_false(crm_strmap_get(m, "ann@x.example", 13, &v));
    assert_true(crm_strmap_add(m, "ann@x.example", 13, 3));
    assert_true(crm_strmap_add(m, "ann@x.exampl", 12, 4));        /* a prefix is another key */
    assert_true(crm_strmap_get(m, "ann@x.example\nbob", 13, &v)); /* keys are (bytes, length) */
    assert_int_equal(v, 3);
    assert_true(crm_strmap_get(m, "ann@x.exampl", 12, &v));
    assert_int_equal(v, 4);
    /* a key present keeps its first value */
    assert_false(crm_strmap_add(m, "ann@x.example", 13, 9));
    assert_true(crm_strmap_get(m, "ann@x.example", 13, &v));
    assert_int_equal(v, 3);
    crm_arena_destroy(a);
}

static void
test_full_map_refuses(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(1024);
    crm_strmap_t *m = crm_strmap_new(a, 2);
    assert_true(crm_strmap_add(m, "a", 1, 1));
    assert_true(crm_strmap_add(m, "b", 1, 2));
    assert_false(crm_strmap_add(m, "c", 1, 3));
    uint32_t v;
    assert_false(crm_strmap_get(m, "c", 1, &v));
    crm_strmap_t *none = crm_strmap_new(a, 0);
    assert_false(crm_strmap_add(none, "a", 1, 1));
    assert_false(crm_strmap_get(none, "a", 1, &v));
    crm_arena_destroy(a);
}

static void
test_hundred_thousand_keys(void **state)
{
    (void)state;
    enum { N = 100000 };
    crm_arena_t *a = crm_arena_create(64 * 1024);
    char *keys = crm_arena_alloc(a, (size_t)N * 16);
    crm_strmap_t *m = crm_strmap_new(a, N);
    for (uint32_t i = 0; i < N; i++) {
        int n = snprintf(keys + (size_t)i * 16, 16, "+4420%08u", (unsigned)i);
        assert_true(crm_strmap_add(m, keys + (size_t)i * 16, (size_t)n, i));
    }
    for (uint32_t i = 0; i < N; i++) {
        char k[16];
        int n = snprintf(k, sizeof(k), "+4420%08u", (unsigned)i);
        uint32_t v;
        assert_true(crm_strmap_get(m, k, (size_t)n, &v));
        assert_int_equal(v, i);
    }
    uint32_t v;
    assert_false(crm_strmap_get(m, "+442000100000", 13, &v));
    crm_arena_destroy(a);
}

int
main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_and_get),
        cmocka_unit_test(test_full_map_refuses),
        cmocka_unit_test(test_hundred_thousand_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
