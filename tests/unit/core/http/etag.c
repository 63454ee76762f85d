/* etag.c - unit tests of src/core/http/etag.c: If-None-Match lists read for comparison */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/http/etag.h"

static crm_arena_t *arena;

static int
setup(void **state)
{
    (void)state;
    arena = crm_arena_create(4096);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    crm_arena_destroy(arena);
    return 0;
}

static const char *
list(const char *value)
{
    const char *tags;
    if (crm_etags_parse(value, arena, &tags) != CRM_ETAGS_LIST)
        return NULL;
    return tags;
}

static void
test_lists_weak_and_strong_alike(void **state)
{
    (void)state;
    assert_string_equal(list("\"abc\""), "{\"abc\"}");
    assert_string_equal(list("W/\"abc\""), "{\"abc\"}");
    assert_string_equal(list(" W/\"a\" ,\t\"b\", , W/\"c\" "), "{\"a\",\"b\",\"c\"}");
    assert_string_equal(list("\"\""), "{\"\"}");
    /* a backslash is an etagc; the array literal escapes it */
    assert_string_equal(list("\"a\\b{,}\""), "{\"a\\\\b{,}\"}");
}

static void
test_star_is_any(void **state)
{
    (void)state;
    const char *tags = "x";
    assert_int_equal(crm_etags_parse("*", arena, &tags), CRM_ETAGS_ANY);
    assert_null(tags);
    assert_int_equal(crm_etags_parse("  * ", arena, &tags), CRM_ETAGS_ANY);
    /* a quoted star is just a tag */
    assert_string_equal(list("\"*\""), "{\"*\"}");
}

static void
test_malformed_is_ignored(void **state)
{
    (void)state;
    const char *tags = "x";
    assert_int_equal(crm_etags_parse(NULL, arena, &tags), CRM_ETAGS_NONE);
    assert_null(tags);
    const char *bad[] = {"",
                         "  ",
                         ",",
                         "abc",
                         "\"abc",
                         "abc\"",
                         "W/abc",
                         "w/\"abc\"",
                         "\"a\" \"b\"",
                         "\"a\";x",
                         "*, \"a\"",
                         "\"a\", *",
                         "\"a\"b\"",
                         "\"caf\xc3\xa9\"",
                         "\"a\tb\"",
                         "W/ \"a\""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(crm_etags_parse(bad[i], arena, &tags), CRM_ETAGS_NONE);
}

static void
test_too_many_tags_are_ignored(void **state)
{
    (void)state;
    char value[CRM_ETAGS_MAX * 6 + 8] = "";
    for (int i = 0; i < CRM_ETAGS_MAX; i++)
        strcat(value, "\"t\",");
    assert_non_null(list(value));
    strcat(value, "\"t\"");
    assert_null(list(value));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_weak_and_strong_alike),
        cmocka_unit_test(test_star_is_any),
        cmocka_unit_test(test_malformed_is_ignored),
        cmocka_unit_test(test_too_many_tags_are_ignored),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
