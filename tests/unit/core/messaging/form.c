/* form.c - unit tests of src/core/messaging/form.c: decoding urlencoded bodies */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/messaging/form.h"
#include "core/util/arena.h"

static long
parse(crm_arena_t *a, const char *body, crm_form_field **fields)
{
    return crm_form_parse(a, body, strlen(body), fields);
}

static void
test_decodes_fields_in_order(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(1024);
    crm_form_field *f;
    const char *body =
        "MessageSid=SM123&From=%2B447700900123&Body=Yes+please%21%0A%C5%BC%F0%9F%98%80"
        "&Empty=&Bare&MediaUrl0=a%26b%3Dc";
    assert_int_equal(parse(a, body, &f), 6);
    assert_string_equal(f[0].name, "MessageSid");
    assert_string_equal(f[0].value, "SM123");
    assert_string_equal(f[1].value, "+447700900123");
    assert_string_equal(f[2].value, "Yes please!\nż😀");
    assert_string_equal(f[3].name, "Empty");
    assert_string_equal(f[3].value, "");
    assert_string_equal(f[4].name, "Bare");
    assert_string_equal(f[4].value, "");
    assert_string_equal(f[5].value, "a&b=c");
    assert_string_equal(crm_form_get(f, 6, "Body"), "Yes please!\nż😀");
    assert_null(crm_form_get(f, 6, "body"));
    /* a value may hold '='; only the first one separates */
    assert_int_equal(parse(a, "k=a=b", &f), 1);
    assert_string_equal(f[0].value, "a=b");
    crm_arena_destroy(a);
}

static void
test_empty_pieces(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(1024);
    crm_form_field *f;
    assert_int_equal(parse(a, "", &f), 0);
    assert_int_equal(parse(a, "&&", &f), 0);
    assert_int_equal(parse(a, "a=1&&b=2&", &f), 2);
    assert_string_equal(f[1].name, "b");
    /* a body that is not NUL-terminated: only len bytes count */
    assert_int_equal(crm_form_parse(a, "a=1&b=2", 3, &f), 1);
    assert_string_equal(f[0].value, "1");
    crm_arena_destroy(a);
}

static void
test_malformed(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(1024);
    crm_form_field *f;
    const char *bad[] = {"a=%", "a=%4", "a=%zz", "a=%00", "%ff=1", "a=%C3", "a=%C0%AF"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse(a, bad[i], &f), -1);
    assert_int_equal(crm_form_parse(a, "a=\0b", 4, &f), -1);
    crm_arena_destroy(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decodes_fields_in_order),
        cmocka_unit_test(test_empty_pieces),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
