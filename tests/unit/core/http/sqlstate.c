/* sqlstate.c - unit tests of src/core/sqlstate.c: SQLSTATE to HTTP status */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/http/sqlstate.h"

static void
test_mapping(void **state)
{
    (void)state;
    const struct {
        const char *code;
        int status;
    } cases[] = {
        {"23505", 409}, {"23P01", 409}, {"23503", 422}, {"23502", 422}, {"23514", 422},
        {"22P02", 422}, {"22012", 422}, {"42501", 403}, {"40001", 503}, {"40P01", 503},
        {"57014", 503}, {"08006", 503}, {"57P01", 503}, {"53300", 503}, {"42P01", 500},
        {"XX000", 500}, {NULL, 503},    {"", 503},      {"230", 503},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const crm_sqlstate_map_t *m = crm_sqlstate_lookup(cases[i].code);
        assert_int_equal(m->status, cases[i].status);
        assert_non_null(m->detail);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
