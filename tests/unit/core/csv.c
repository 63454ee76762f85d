/* csv.c - unit tests of src/core/csv.c: quoting, line breaks, BOM, malformed input */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/csv.h"

static void
test_plain_and_quoted_fields(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(1024);
    const char *text = "\xEF\xBB\xBFname,note,city\r\n"
                       "\"Smith, Ann\",\"said \"\"hi\"\"\nand left\",Leeds\r\n"
                       "Bob,,\n"
                       "last,row,\"\"";
    crm_csv_t c;
    crm_csv_init(&c, a, text, strlen(text));
    crm_csv_record_t r;
    assert_true(crm_csv_next(&c, &r));
    assert_int_equal(r.count, 3);
    assert_string_equal(r.fields[0], "name");
    assert_true(crm_csv_next(&c, &r));
    assert_int_equal(r.line, 2);
    assert_string_equal(r.fields[0], "Smith, Ann");
    assert_string_equal(r.fields[1], "said \"hi\"\nand left");
    assert_string_equal(r.fields[2], "Leeds");
    assert_true(crm_csv_next(&c, &r));
    assert_int_equal(r.line, 4);
    assert_int_equal(r.count, 3);
    assert_string_equal(r.fields[1], "");
    assert_true(crm_csv_next(&c, &r));
    assert_string_equal(r.fields[2], "");
    assert_false(crm_csv_next(&c, &r));
    assert_null(c.error);
    crm_arena_destroy(a);
}

static void
test_malformed_records(void **state)
{
    (void)state;
    const char *bad[] = {"a,\"open\n", "a,\"x\"y\n", "a,b\"c\n"};
    for (size_t i = 0; i < 3; i++) {
        crm_arena_t *a = crm_arena_create(256);
        crm_csv_t c;
        crm_csv_init(&c, a, bad[i], strlen(bad[i]));
        crm_csv_record_t r;
        assert_false(crm_csv_next(&c, &r));
        assert_non_null(c.error);
        crm_arena_destroy(a);
    }
}

static void
test_many_fields(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(256);
    char line[200] = "";
    for (int i = 0; i < 40; i++)
        strcat(line, i ? ",x" : "x");
    crm_csv_t c;
    crm_csv_init(&c, a, line, strlen(line));
    crm_csv_record_t r;
    assert_true(crm_csv_next(&c, &r));
    assert_int_equal(r.count, 40);
    crm_arena_destroy(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_quoted_fields),
        cmocka_unit_test(test_malformed_records),
        cmocka_unit_test(test_many_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
