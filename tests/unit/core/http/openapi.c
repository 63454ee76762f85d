/* openapi.c - unit tests of src/core/openapi.c: the document matches the route tables */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/module.h"
#include "core/http/openapi.h"

static void
h(struct crm_req *r)
{
    (void)r;
}

static void
test_every_route_is_documented_and_every_operation_served(void **state)
{
    (void)state;
    char err[4096];
    assert_int_equal(crm_openapi_build(err, sizeof(err)), 0);
    crm_router_t *rt = crm_router_new();
    assert_int_equal(crm_modules_build_router(rt, err, sizeof(err)), 0);
    int problems = crm_openapi_check(crm_openapi_json(), rt, err, sizeof(err));
    if (problems)
        print_error("%s", err);
    assert_int_equal(problems, 0);
    size_t len;
    assert_non_null(crm_openapi_text(&len));
    assert_true(len > 100);
    assert_int_equal(strlen(crm_openapi_etag()), 18);
    crm_router_free(rt);
    crm_openapi_free();
}

static void
test_check_finds_both_kinds_of_drift(void **state)
{
    (void)state;
    char err[4096];
    assert_int_equal(crm_openapi_build(err, sizeof(err)), 0);
    const crm_route_t extra[] = {{"DELETE", "/healthz", h, "x.y", NULL, 0}, {0}};
    const crm_route_t fewer[] = {{"GET", "/healthz", h, CRM_PERM_PUBLIC, NULL, 0}, {0}};
    crm_router_t *rt = crm_router_new();
    assert_int_equal(crm_router_add(rt, fewer, err, sizeof(err)), 0);
    assert_int_equal(crm_router_add(rt, extra, err, sizeof(err)), 0);
    int problems = crm_openapi_check(crm_openapi_json(), rt, err, sizeof(err));
    assert_true(problems >= 2);
    assert_non_null(strstr(err, "route DELETE /healthz is not in the OpenAPI document"));
    assert_non_null(strstr(err, "OpenAPI documents get /readyz but no route serves it"));
    crm_router_free(rt);
    crm_openapi_free();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_is_documented_and_every_operation_served),
        cmocka_unit_test(test_check_finds_both_kinds_of_drift),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
