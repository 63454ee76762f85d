/* problem.c - unit tests of src/core/problem.c: RFC 9457 bodies */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "core/http/problem.h"

static void
test_render_full_problem(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(1024);
    crm_field_error_t e2 = {NULL, "query.limit", "must be at most 200"};
    crm_field_error_t e1 = {&e2, "email", "is not an \"email\""};
    crm_problem_t p = {.status = 422,
                       .detail = "the contact is not valid",
                       .instance = "/api/v1/contacts",
                       .request_id = "r-1",
                       .errors = &e1,
                       .extra = "\"position\":3"};
    size_t len;
    char *text = crm_problem_render(a, &p, &len);
    assert_int_equal(len, strlen(text));
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "about:blank");
    assert_string_equal(json_string_value(json_object_get(j, "title")), "Unprocessable Content");
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 422);
    assert_string_equal(json_string_value(json_object_get(j, "instance")), "/api/v1/contacts");
    json_t *errors = json_object_get(j, "errors");
    assert_int_equal(json_array_size(errors), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 0), "message")),
                        "is not an \"email\"");
    assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 1), "field")),
                        "query.limit");
    assert_int_equal(json_integer_value(json_object_get(j, "position")), 3);
    json_decref(j);
    crm_arena_destroy(a);
}

static void
test_minimal_problem_and_titles(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(1024);
    crm_problem_t p = {.status = 404};
    size_t len;
    char *text = crm_problem_render(a, &p, &len);
    assert_string_equal(text, "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404}");
    assert_string_equal(crm_http_status_title(413), "Content Too Large");
    assert_string_equal(crm_http_status_title(405), "Method Not Allowed");
    assert_string_equal(crm_http_status_title(599), "Error");
    crm_arena_destroy(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_full_problem),
        cmocka_unit_test(test_minimal_problem_and_titles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
