/* csv.c - unit tests of src/core/csv.c: quoting, line breaks, BOM, malformed input, the limits
 * and the reused record memory */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/util/csv.h"

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

/* A record of n fields "x", then a second record, as one text. */
static char *
fields_text(size_t n)
{
    char *t = malloc(2 * n + 8);
    char *p = t;
    for (size_t i = 0; i < n; i++) {
        *p++ = i ? ',' : 'x';
        if (i)
            *p++ = 'x';
    }
    strcpy(p, "\nend\n");
    return t;
}

static void
test_at_most_max_fields(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(256);
    char *ok = fields_text(CRM_CSV_MAX_FIELDS), *over = fields_text(CRM_CSV_MAX_FIELDS + 1);
    crm_csv_t c;
    crm_csv_record_t r;
    crm_csv_init(&c, a, ok, strlen(ok));
    assert_true(crm_csv_next(&c, &r));
    assert_int_equal(r.count, CRM_CSV_MAX_FIELDS);
    assert_true(crm_csv_next(&c, &r));
    assert_string_equal(r.fields[0], "end");
    /* the second record is the one too wide: its line and the first column beyond */
    size_t len = strlen(over);
    char *two = malloc(len + 16);
    strcpy(two, "head\n");
    strcat(two, over);
    crm_csv_init(&c, a, two, strlen(two));
    assert_true(crm_csv_next(&c, &r));
    assert_false(crm_csv_next(&c, &r));
    assert_int_equal(c.fault, CRM_CSV_FAULT_TOO_MANY_FIELDS);
    assert_int_equal(c.column, CRM_CSV_MAX_FIELDS + 1);
    assert_int_equal(r.line, 2);
    assert_non_null(c.error);
    assert_false(crm_csv_next(&c, &r)); /* and it stays stopped */
    free(ok);
    free(over);
    free(two);
    crm_arena_destroy(a);
}

static void
test_at_most_max_field_bytes(void **state)
{
    (void)state;
    enum { MAX = CRM_CSV_MAX_FIELD_BYTES };
    char *t = malloc(2 * MAX + 64);
    crm_arena_t *a = crm_arena_create(256);
    crm_csv_t c;
    crm_csv_record_t r;
    /* unquoted: exactly the limit, then one byte more in the second column */
    strcpy(t, "a,");
    memset(t + 2, 'y', MAX);
    strcpy(t + 2 + MAX, "\n");
    crm_csv_init(&c, a, t, strlen(t));
    assert_true(crm_csv_next(&c, &r));
    assert_int_equal(strlen(r.fields[1]), MAX);
    strcpy(t + 2 + MAX, "y\n");
    crm_csv_init(&c, a, t, strlen(t));
    assert_false(crm_csv_next(&c, &r));
    assert_int_equal(c.fault, CRM_CSV_FAULT_FIELD_TOO_LONG);
    assert_int_equal(c.column, 2);
    assert_int_equal(r.line, 1);
    /* quoted: the limit counts the text after unquoting (a doubled quote is one byte) */
    strcpy(t, "a,\"");
    memset(t + 3, 'y', MAX - 1);
    strcpy(t + 2 + MAX, "\"\"\"\n");
    crm_csv_init(&c, a, t, strlen(t));
    assert_true(crm_csv_next(&c, &r));
    assert_int_equal(strlen(r.fields[1]), MAX);
    assert_int_equal(r.fields[1][MAX - 1], '"');
    strcpy(t + 2 + MAX, "y\"\"\"\n");
    crm_csv_init(&c, a, t, strlen(t));
    assert_false(crm_csv_next(&c, &r));
    assert_int_equal(c.fault, CRM_CSV_FAULT_FIELD_TOO_LONG);
    assert_int_equal(c.column, 2);
    free(t);
    crm_arena_destroy(a);
}

/* Reading takes the memory of the longest record, not of the file: a record's fields are
 * reused by the next one. */
static void
test_record_memory_is_reused(void **state)
{
    (void)state;
    enum { N = 100000 };
    char *t = malloc(N * 16 + 1);
    size_t len = 0;
    for (int i = 0; i < N; i++)
        len += (size_t)sprintf(t + len, i % 2 ? "\n" : "a%d,\"b\"\"\"\n", i);
    crm_arena_t *a = crm_arena_create(1024);
    crm_csv_t c;
    crm_csv_record_t r;
    crm_csv_init(&c, a, t, len);
    assert_true(crm_csv_next(&c, &r));
    size_t used = crm_arena_used(a);
    size_t records = 1, blank = 0;
    while (crm_csv_next(&c, &r)) {
        records++;
        blank += r.count == 1 && r.fields[0][0] == '\0';
    }
    assert_null(c.error);
    assert_int_equal(records, N);
    assert_int_equal(blank, N / 2); /* a blank line is a record of one empty field */
    assert_int_equal(crm_arena_used(a), used);
    free(t);
    crm_arena_destroy(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_quoted_fields),
        cmocka_unit_test(test_malformed_records),
        cmocka_unit_test(test_many_fields),
        cmocka_unit_test(test_at_most_max_fields),
        cmocka_unit_test(test_at_most_max_field_bytes),
        cmocka_unit_test(test_record_memory_is_reused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
