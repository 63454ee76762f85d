/* db_problem.c - unit tests of src/core/http/db_problem.c: the answer to a failed transaction */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/http/db_problem.h"

static int
setup(void **state)
{
    *state = crm_req_new(1024, "POST", "/api/v1/things");
    return 0;
}

static int
teardown(void **state)
{
    crm_req_t *r = *state;
    crm_arena_destroy(r->arena);
    return 0;
}

/* The value of response header name, or NULL. */
static const char *
header(const crm_req_t *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

static void
unavailable_is_503_with_retry_after(void **state)
{
    crm_req_t *r = *state;
    crm_reply_db_error(r, &(crm_db_error_t){CRM_DB_UNAVAILABLE, NULL, NULL, NULL, NULL});
    assert_int_equal(r->status, 503);
    assert_string_equal(header(r, "Retry-After"), "1");
    assert_non_null(strstr(r->resp_body, "the database is unavailable"));
}

static void
statement_errors_map_by_sqlstate(void **state)
{
    crm_req_t *r = *state;
    crm_reply_db_error(r, &(crm_db_error_t){CRM_DB_STATEMENT, "23505", "users_email_key",
                                            "duplicate key value", NULL});
    assert_int_equal(r->status, 409);
    assert_null(header(r, "Retry-After"));
    assert_null(strstr(r->resp_body, "duplicate key value")); /* never the server's words */
    assert_null(r->errors);
}

static void
a_deadlock_is_503_with_retry_after(void **state)
{
    crm_req_t *r = *state;
    crm_reply_db_error(r, &(crm_db_error_t){CRM_DB_STATEMENT, "40P01", NULL, NULL, NULL});
    assert_int_equal(r->status, 503);
    assert_string_equal(header(r, "Retry-After"), "1");
}

static void
a_column_the_database_names_is_the_field(void **state)
{
    crm_req_t *r = *state;
    crm_reply_db_error(
        r, &(crm_db_error_t){CRM_DB_STATEMENT, "23502", NULL, "null value in column", "full_name"});
    assert_int_equal(r->status, 422);
    assert_non_null(r->errors);
    assert_string_equal(r->errors->field, "full_name");
    assert_null(r->errors->next);
    assert_non_null(strstr(r->resp_body, "\"full_name\""));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(unavailable_is_503_with_retry_after, setup, teardown),
        cmocka_unit_test_setup_teardown(statement_errors_map_by_sqlstate, setup, teardown),
        cmocka_unit_test_setup_teardown(a_deadlock_is_503_with_retry_after, setup, teardown),
        cmocka_unit_test_setup_teardown(a_column_the_database_names_is_the_field, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
