/* router.c - unit tests of src/core/router.c: matching, parameters, 405, table validation */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/http/router.h"

static void
h(struct crm_req *r)
{
    (void)r;
}

static const char *const list_query[] = {"limit", "cursor", NULL};

static const crm_route_t routes[] = {
    {"GET", "/api/v1/deals", h, "deals.read", list_query, 0},
    {"POST", "/api/v1/deals", h, "deals.write", NULL, CRM_ROUTE_JSON_BODY},
    {"GET", "/api/v1/deals/{id}", h, "deals.read", NULL, 0},
    {"PATCH", "/api/v1/deals/{id}", h, "deals.write", NULL, 0},
    {"GET", "/api/v1/deals/summary", h, "deals.read", NULL, 0},
    {"GET", "/api/v1/contacts/{id}/notes/{note_id}", h, "contacts.read", NULL, 0},
    {"GET", "/", h, CRM_PERM_PUBLIC, NULL, 0},
    {NULL, NULL, NULL, NULL, NULL, 0},
};

static int
setup(void **state)
{
    crm_router_t *rt = crm_router_new();
    char err[256];
    assert_int_equal(crm_router_add(rt, routes, err, sizeof(err)), 0);
    *state = rt;
    return 0;
}

static int
teardown(void **state)
{
    crm_router_free(*state);
    return 0;
}

static void
test_literal_and_params(void **state)
{
    crm_match_t m;
    assert_int_equal(crm_router_match(*state, "GET", "/api/v1/deals", &m), CRM_MATCH_FOUND);
    assert_ptr_equal(m.route, &routes[0]);
    assert_int_equal(m.index, 0);
    assert_int_equal(crm_router_match(*state, "GET", "/api/v1/contacts/abc/notes/42", &m),
                     CRM_MATCH_FOUND);
    assert_int_equal(m.nparams, 2);
    assert_int_equal(m.params[0].value_len, 3);
    assert_memory_equal(m.params[0].value, "abc", 3);
    assert_memory_equal(m.params[0].name, "id", 2);
    assert_memory_equal(m.params[1].name, "note_id", 7);
    assert_memory_equal(m.params[1].value, "42", 2);
    assert_int_equal(crm_router_match(*state, "GET", "/", &m), CRM_MATCH_FOUND);
}

static void
test_literal_beats_parameter(void **state)
{
    crm_match_t m;
    assert_int_equal(crm_router_match(*state, "GET", "/api/v1/deals/summary", &m), CRM_MATCH_FOUND);
    assert_ptr_equal(m.route, &routes[4]);
    assert_int_equal(crm_router_match(*state, "GET", "/api/v1/deals/123", &m), CRM_MATCH_FOUND);
    assert_ptr_equal(m.route, &routes[2]);
}

static void
test_not_found(void **state)
{
    crm_match_t m;
    const char *paths[] = {"/api/v1/deal",      "/api/v1/deals/", "/api/v1//deals",
                           "/api/v1/deals/1/x", "api/v1/deals",   ""};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        assert_int_equal(crm_router_match(*state, "GET", paths[i], &m), CRM_MATCH_NOT_FOUND);
}

static void
test_method_not_allowed_lists_allow(void **state)
{
    crm_match_t m;
    assert_int_equal(crm_router_match(*state, "DELETE", "/api/v1/deals", &m), CRM_MATCH_BAD_METHOD);
    assert_string_equal(m.allow, "GET, HEAD, POST");
    assert_int_equal(crm_router_match(*state, "PUT", "/api/v1/deals/7", &m), CRM_MATCH_BAD_METHOD);
    assert_string_equal(m.allow, "GET, HEAD, PATCH");
    assert_int_equal(crm_router_match(*state, "HEAD", "/api/v1/deals", &m), CRM_MATCH_FOUND);
}

static void
test_declared_query(void **state)
{
    (void)state;
    assert_true(crm_route_declares_query(&routes[0], "limit"));
    assert_false(crm_route_declares_query(&routes[0], "tenant_id"));
    assert_false(crm_route_declares_query(&routes[1], "limit"));
}

static void
test_bad_tables_are_refused(void **state)
{
    (void)state;
    char err[256];
    const crm_route_t no_perm[] = {{"GET", "/x", h, NULL, NULL, 0}, {0}};
    const crm_route_t bad_method[] = {{"FETCH", "/x", h, "p", NULL, 0}, {0}};
    const crm_route_t bad_param[] = {{"GET", "/x/{id", h, "p", NULL, 0}, {0}};
    const crm_route_t twice[] = {
        {"GET", "/x", h, "p", NULL, 0}, {"GET", "/x", h, "p", NULL, 0}, {0}};
    const crm_route_t *tables[] = {no_perm, bad_method, bad_param, twice};
    for (size_t i = 0; i < 4; i++) {
        crm_router_t *rt = crm_router_new();
        assert_int_equal(crm_router_add(rt, tables[i], err, sizeof(err)), -1);
        assert_true(strlen(err) > 0);
        crm_router_free(rt);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_literal_and_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_literal_beats_parameter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_method_not_allowed_lists_allow, setup, teardown),
        cmocka_unit_test(test_declared_query),
        cmocka_unit_test(test_bad_tables_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
