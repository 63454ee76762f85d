/* router.c - unit tests of src/core/http/router.c: matching, parameters, 405, table validation
 * and the edges of paths (empty segments, trailing slashes, encoded bytes, length, methods) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The first segments routes start with belong to them ("/" starts with none). */
static void
test_owned_segments(void **state)
{
    assert_true(crm_router_owns_segment(*state, "api", 3));
    assert_true(crm_router_owns_segment(*state, "api/v1", 3));
    assert_false(crm_router_owns_segment(*state, "ap", 2));
    assert_false(crm_router_owns_segment(*state, "apis", 4));
    assert_false(crm_router_owns_segment(*state, "v1", 2));
    assert_false(crm_router_owns_segment(*state, "", 0));
    crm_router_t *rt = crm_router_new();
    const crm_route_t param_first[] = {{"GET", "/{x}/y", h, CRM_PERM_PUBLIC, NULL, 0}, {0}};
    char err[256];
    assert_int_equal(crm_router_add(rt, param_first, err, sizeof(err)), 0);
    assert_false(crm_router_owns_segment(rt, "x", 1));
    crm_router_free(rt);
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

static void
test_empty_segments_and_trailing_slashes(void **state)
{
    crm_match_t m;
    const char *paths[] = {"//",
                           "/api/v1/deals//",
                           "//api/v1/deals",

                           "/api/v1/./deals",
                           "/api/v1/deals/123/",
                           "/api/v1/contacts//notes/1",
                           "/api/v1/contacts/1/notes/"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        m.route = &routes[0]; /* a failed match leaves nothing behind */
        if (crm_router_match(*state, "GET", paths[i], &m) != CRM_MATCH_NOT_FOUND)
            fail_msg("matched %s", paths[i]);
        assert_null(m.route);
        assert_int_equal(m.nparams, 0);
    }
}

static void
test_encoded_bytes_are_one_segment(void **state)
{
    crm_match_t m;
    /* the router matches the path it is given: "%2F" in it is three bytes of one segment */
    assert_int_equal(crm_router_match(*state, "GET", "/api/v1/deals/a%2Fb", &m), CRM_MATCH_FOUND);
    assert_ptr_equal(m.route, &routes[2]);
    assert_int_equal(m.params[0].value_len, 5);
    assert_memory_equal(m.params[0].value, "a%2Fb", 5);
    /* libmicrohttpd decodes the path before routing: a decoded slash is a segment boundary */
    assert_int_equal(crm_router_match(*state, "GET", "/api/v1/deals/a/b", &m), CRM_MATCH_NOT_FOUND);
    /* an encoded literal does not stand for the literal */
    assert_int_equal(crm_router_match(*state, "GET", "/api/v1/deals/summar%79", &m),
                     CRM_MATCH_FOUND);
    assert_ptr_equal(m.route, &routes[2]);
    /* raw bytes are captured as they are (http.c checks them for UTF-8) */
    assert_int_equal(crm_router_match(*state, "GET", "/api/v1/deals/\xff\xfe", &m),
                     CRM_MATCH_FOUND);
    assert_int_equal(m.params[0].value_len, 2);
    /* the path comes without its query: a "?" here would be part of the segment */
    assert_int_equal(crm_router_match(*state, "GET", "/api/v1/deals?limit=1", &m),
                     CRM_MATCH_NOT_FOUND);
}

static void
test_literals_are_case_sensitive(void **state)
{
    crm_match_t m;
    assert_int_equal(crm_router_match(*state, "GET", "/API/v1/deals", &m), CRM_MATCH_NOT_FOUND);
    assert_int_equal(crm_router_match(*state, "GET", "/api/v1/Deals/Summary", &m),
                     CRM_MATCH_NOT_FOUND);
    assert_int_equal(crm_router_match(*state, "GET", "/api/v1/deals/Summary", &m), CRM_MATCH_FOUND);
    assert_ptr_equal(m.route, &routes[2]); /* a parameter's value */
}

/* "/s1/s2/.../sn" */
static char *
path_of(size_t nsegs, const char *seg)
{
    size_t len = nsegs * (strlen(seg) + 1) + 1;
    char *p = malloc(len);
    assert_non_null(p);
    p[0] = '\0';
    for (size_t i = 0; i < nsegs; i++) {
        strcat(p, "/");
        strcat(p, seg);
    }
    return p;
}

static void
test_long_paths(void **state)
{
    (void)state;
    char err[256];
    char *most = path_of(CRM_ROUTER_MAX_SEGMENTS, "s");
    char *too_many = path_of(CRM_ROUTER_MAX_SEGMENTS + 1, "s");
    char *tmpl = path_of(CRM_ROUTER_MAX_SEGMENTS - 1, "s");
    char *with_param = malloc(strlen(tmpl) + 8);
    assert_non_null(with_param);
    sprintf(with_param, "%s/{id}", tmpl);
    const crm_route_t table[] = {{"GET", most, h, "p", NULL, 0},
                                 {"POST", with_param, h, "p", NULL, 0},
                                 {NULL, NULL, NULL, NULL, NULL, 0}};
    crm_router_t *rt = crm_router_new();
    assert_int_equal(crm_router_add(rt, table, err, sizeof(err)), 0);
    crm_match_t m;
    assert_int_equal(crm_router_match(rt, "GET", most, &m), CRM_MATCH_FOUND);
    assert_int_equal(crm_router_match(rt, "GET", too_many, &m), CRM_MATCH_NOT_FOUND);
    /* a segment of 64 KiB is captured whole, the last of sixteen */
    size_t big = 64 * 1024;
    char *long_path = malloc(strlen(tmpl) + big + 2);
    assert_non_null(long_path);
    sprintf(long_path, "%s/", tmpl);
    size_t off = strlen(long_path);
    memset(long_path + off, 'x', big);
    long_path[off + big] = '\0';
    assert_int_equal(crm_router_match(rt, "POST", long_path, &m), CRM_MATCH_FOUND);
    assert_int_equal(m.nparams, 1);
    assert_int_equal(m.params[0].value_len, big);
    assert_ptr_equal(m.params[0].value, long_path + off);
    /* a template of seventeen segments is refused */
    const crm_route_t too_long[] = {{"GET", too_many, h, "p", NULL, 0},
                                    {NULL, NULL, NULL, NULL, NULL, 0}};
    assert_int_equal(crm_router_add(rt, too_long, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "malformed path template"));
    crm_router_free(rt);
    free(long_path);
    free(with_param);
    free(tmpl);
    free(too_many);
    free(most);
}

static const crm_route_t param_routes[] = {
    {"GET", "/{a}", h, "p", NULL, 0},
    {"GET", "/{a}/x", h, "p", NULL, 0},
    {"GET", "/x/{a}/y", h, "p", NULL, 0},
    {"GET", "/p/{a}/{b}/{c}/{d}", h, "p", NULL, 0},
    {"GET", "/{a}/{b}/{c}/{d}", h, "p", NULL, 0},
    {NULL, NULL, NULL, NULL, NULL, 0},
};

static void
assert_param(const crm_match_t *m, size_t i, const char *name, const char *value)
{
    assert_true(i < m->nparams);
    assert_int_equal(m->params[i].name_len, strlen(name));
    assert_memory_equal(m->params[i].name, name, strlen(name));
    assert_int_equal(m->params[i].value_len, strlen(value));
    assert_memory_equal(m->params[i].value, value, strlen(value));
}

static void
test_parameters_at_every_position(void **state)
{
    (void)state;
    char err[256];
    crm_router_t *rt = crm_router_new();
    assert_int_equal(crm_router_add(rt, param_routes, err, sizeof(err)), 0);
    crm_match_t m;
    assert_int_equal(crm_router_match(rt, "GET", "/only", &m), CRM_MATCH_FOUND);
    assert_ptr_equal(m.route, &param_routes[0]);
    assert_param(&m, 0, "a", "only");
    assert_int_equal(crm_router_match(rt, "GET", "/first/x", &m), CRM_MATCH_FOUND);
    assert_ptr_equal(m.route, &param_routes[1]);
    assert_param(&m, 0, "a", "first");
    assert_int_equal(crm_router_match(rt, "GET", "/x/middle/y", &m), CRM_MATCH_FOUND);
    assert_ptr_equal(m.route, &param_routes[2]);
    assert_param(&m, 0, "a", "middle");
    assert_int_equal(crm_router_match(rt, "GET", "/p/1/22/333/4444", &m), CRM_MATCH_FOUND);
    assert_ptr_equal(m.route, &param_routes[3]);
    assert_int_equal(m.nparams, 4);
    assert_param(&m, 0, "a", "1");
    assert_param(&m, 1, "b", "22");
    assert_param(&m, 2, "c", "333");
    assert_param(&m, 3, "d", "4444");
    assert_int_equal(crm_router_match(rt, "GET", "/q/1/22/333", &m), CRM_MATCH_FOUND);
    assert_ptr_equal(m.route, &param_routes[4]); /* all parameters: any four segments */
    assert_param(&m, 0, "a", "q");
    assert_int_equal(crm_router_match(rt, "GET", "/a/b/c/d/e", &m), CRM_MATCH_NOT_FOUND);
    crm_router_free(rt);
}

/* The template whose first differing segment is literal wins, whatever the table's order. */
static void
test_specificity_does_not_depend_on_order(void **state)
{
    (void)state;
    char err[256];
    const crm_route_t forward[] = {{"GET", "/{a}/b", h, "p", NULL, 0},
                                   {"GET", "/a/{b}", h, "p", NULL, 0},
                                   {"GET", "/{a}/{b}", h, "p", NULL, 0},
                                   {NULL, NULL, NULL, NULL, NULL, 0}};
    const crm_route_t backward[] = {{"GET", "/{a}/{b}", h, "p", NULL, 0},
                                    {"GET", "/a/{b}", h, "p", NULL, 0},
                                    {"GET", "/{a}/b", h, "p", NULL, 0},
                                    {NULL, NULL, NULL, NULL, NULL, 0}};
    const crm_route_t *tables[] = {forward, backward};
    for (size_t t = 0; t < 2; t++) {
        crm_router_t *rt = crm_router_new();
        assert_int_equal(crm_router_add(rt, tables[t], err, sizeof(err)), 0);
        crm_match_t m;
        assert_int_equal(crm_router_match(rt, "GET", "/a/b", &m), CRM_MATCH_FOUND);
        assert_string_equal(m.route->path, "/a/{b}");
        assert_int_equal(crm_router_match(rt, "GET", "/z/b", &m), CRM_MATCH_FOUND);
        assert_string_equal(m.route->path, "/{a}/b");
        assert_int_equal(crm_router_match(rt, "GET", "/z/z", &m), CRM_MATCH_FOUND);
        assert_string_equal(m.route->path, "/{a}/{b}");
        crm_router_free(rt);
    }
}

static void
test_methods(void **state)
{
    (void)state;
    char err[256];
    const crm_route_t table[] = {
        {"DELETE", "/r", h, "p", NULL, 0}, {"PATCH", "/r", h, "p", NULL, 0},
        {"PUT", "/r", h, "p", NULL, 0},    {"POST", "/r", h, "p", NULL, 0},
        {"GET", "/r", h, "p", NULL, 0},    {"POST", "/post-only", h, "p", NULL, 0},
        {NULL, NULL, NULL, NULL, NULL, 0}};
    crm_router_t *rt = crm_router_new();
    assert_int_equal(crm_router_add(rt, table, err, sizeof(err)), 0);
    crm_match_t m;
    const char *methods[] = {"DELETE", "PATCH", "PUT", "POST", "GET"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(crm_router_match(rt, methods[i], "/r", &m), CRM_MATCH_FOUND);
        assert_ptr_equal(m.route, &table[i]);
        assert_int_equal(m.index, i);
    }
    /* HEAD is answered by the GET route */
    assert_int_equal(crm_router_match(rt, "HEAD", "/r", &m), CRM_MATCH_FOUND);
    assert_ptr_equal(m.route, &table[4]);
    /* OPTIONS, TRACE, CONNECT and lower-case names are not served: 405 with every method, in
     * a fixed order whatever the table's, HEAD beside GET */
    const char *others[] = {"OPTIONS", "TRACE", "CONNECT", "get", "Get", "FETCH", ""};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        assert_int_equal(crm_router_match(rt, others[i], "/r", &m), CRM_MATCH_BAD_METHOD);
        assert_null(m.route);
        assert_string_equal(m.allow, "GET, HEAD, POST, PUT, PATCH, DELETE");
    }
    /* without a GET route there is no HEAD either */
    assert_int_equal(crm_router_match(rt, "HEAD", "/post-only", &m), CRM_MATCH_BAD_METHOD);
    assert_string_equal(m.allow, "POST");
    assert_int_equal(crm_router_match(rt, "GET", "/post-only", &m), CRM_MATCH_BAD_METHOD);
    assert_string_equal(m.allow, "POST");
    /* an unknown path is 404 whatever the method */
    assert_int_equal(crm_router_match(rt, "OPTIONS", "/nowhere", &m), CRM_MATCH_NOT_FOUND);
    assert_string_equal(m.allow, "");
    crm_router_free(rt);
}

static void
test_malformed_rows_are_refused_with_a_reason(void **state)
{
    (void)state;
    static const struct {
        crm_route_t row;
        const char *reason;
    } cases[] = {
        {{"HEAD", "/x", h, "p", NULL, 0}, "unknown method 'HEAD'"}, /* it comes with GET */
        {{"get", "/x", h, "p", NULL, 0}, "unknown method 'get'"},
        {{"OPTIONS", "/x", h, "p", NULL, 0}, "unknown method 'OPTIONS'"},
        {{NULL, "/x", h, "p", NULL, 0}, "unknown method ''"},
        {{"GET", NULL, h, "p", NULL, 0}, "malformed path template"},
        {{"GET", "", h, "p", NULL, 0}, "malformed path template"},
        {{"GET", "x", h, "p", NULL, 0}, "malformed path template"},
        {{"GET", "/x/", h, "p", NULL, 0}, "malformed path template"},
        {{"GET", "/x//y", h, "p", NULL, 0}, "malformed path template"},
        {{"GET", "/x", h, "", NULL, 0}, "no permission"},
        {{"GET", "/x/{}", h, "p", NULL, 0}, "malformed parameter segment"},
        {{"GET", "/x/{a}b", h, "p", NULL, 0}, "malformed parameter segment"},
        {{"GET", "/x/{a{b}", h, "p", NULL, 0}, "malformed parameter segment"},
        {{"GET", "/x/{a}}", h, "p", NULL, 0}, "malformed parameter segment"},
        {{"GET", "/{a}/{b}/{c}/{d}/{e}", h, "p", NULL, 0}, "malformed parameter segment"},
        {{"GET", "/x/a{b}", h, "p", NULL, 0}, "braces inside a literal segment"},
        {{"GET", "/x/a}", h, "p", NULL, 0}, "braces inside a literal segment"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        const crm_route_t table[] = {cases[i].row, {NULL, NULL, NULL, NULL, NULL, 0}};
        crm_router_t *rt = crm_router_new();
        assert_int_equal(crm_router_add(rt, table, err, sizeof(err)), -1);
        if (!strstr(err, cases[i].reason))
            fail_msg("%s %s: \"%s\", not \"%s\"", cases[i].row.method, cases[i].row.path, err,
                     cases[i].reason);
        assert_int_equal(crm_router_count(rt), 0);
        crm_router_free(rt);
    }
}

static void
test_a_second_table_cannot_take_a_route_again(void **state)
{
    char err[256];
    const crm_route_t again[] = {{"GET", "/api/v1/deals/{id}", h, "other.read", NULL, 0},
                                 {NULL, NULL, NULL, NULL, NULL, 0}};
    assert_int_equal(crm_router_add(*state, again, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "declared twice"));
    /* the same route under another parameter name could never be reached */
    const crm_route_t renamed[] = {{"PATCH", "/api/v1/deals/{deal_id}", h, "x", NULL, 0},
                                   {NULL, NULL, NULL, NULL, NULL, 0}};
    assert_int_equal(crm_router_add(*state, renamed, err, sizeof(err)), -1);
    assert_string_equal(err, "route PATCH /api/v1/deals/{deal_id}: declared twice (as PATCH "
                             "/api/v1/deals/{id})");
    const crm_route_t renamed_inside[] = {{"GET", "/a/{x}/b/{y}", h, "p", NULL, 0},
                                          {"GET", "/a/{y}/b/{x}", h, "p", NULL, 0},
                                          {NULL, NULL, NULL, NULL, NULL, 0}};
    assert_int_equal(crm_router_add(*state, renamed_inside, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "declared twice"));
    const crm_route_t other_method[] = {{"DELETE", "/api/v1/deals/{id}", h, "d", NULL, 0},
                                        {NULL, NULL, NULL, NULL, NULL, 0}};
    assert_int_equal(crm_router_add(*state, other_method, err, sizeof(err)), 0);
}

static void
test_indexes_stay_stable_as_the_router_grows(void **state)
{
    (void)state;
    enum { N = 100 };
    static char paths[N][16];
    static crm_route_t table[N + 1];
    for (size_t i = 0; i < N; i++) {
        snprintf(paths[i], sizeof(paths[i]), "/r%zu/{id}", i);
        table[i] = (crm_route_t){"GET", paths[i], h, "p", NULL, 0};
    }
    char err[256];
    crm_router_t *rt = crm_router_new();
    assert_int_equal(crm_router_add(rt, table, err, sizeof(err)), 0);
    assert_int_equal(crm_router_add(rt, routes, err, sizeof(err)), 0);
    assert_int_equal(crm_router_count(rt), N + 7);
    for (size_t i = 0; i < N; i++)
        assert_ptr_equal(crm_router_route(rt, i), &table[i]);
    assert_ptr_equal(crm_router_route(rt, N), &routes[0]);
    assert_null(crm_router_route(rt, N + 7));
    crm_match_t m;
    assert_int_equal(crm_router_match(rt, "GET", "/r73/x", &m), CRM_MATCH_FOUND);
    assert_int_equal(m.index, 73);
    assert_int_equal(crm_router_match(rt, "GET", "/api/v1/deals/summary", &m), CRM_MATCH_FOUND);
    assert_int_equal(m.index, N + 4);
    crm_router_free(rt);
}

static void
test_declared_query_names_are_exact(void **state)
{
    (void)state;
    /* names only: duplicate keys and values are the request layer's (http.c) */
    assert_true(crm_route_declares_query(&routes[0], "cursor"));
    assert_false(crm_route_declares_query(&routes[0], "Limit"));
    assert_false(crm_route_declares_query(&routes[0], "lim"));
    assert_false(crm_route_declares_query(&routes[0], "limit "));
    assert_false(crm_route_declares_query(&routes[0], ""));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_literal_and_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_literal_beats_parameter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_method_not_allowed_lists_allow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owned_segments, setup, teardown),
        cmocka_unit_test(test_declared_query),
        cmocka_unit_test(test_bad_tables_are_refused),
        cmocka_unit_test_setup_teardown(test_empty_segments_and_trailing_slashes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encoded_bytes_are_one_segment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_literals_are_case_sensitive, setup, teardown),
        cmocka_unit_test(test_long_paths),
        cmocka_unit_test(test_parameters_at_every_position),
        cmocka_unit_test(test_specificity_does_not_depend_on_order),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_malformed_rows_are_refused_with_a_reason),
        cmocka_unit_test_setup_teardown(test_a_second_table_cannot_take_a_route_again, setup,
                                        teardown),
        cmocka_unit_test(test_indexes_stay_stable_as_the_router_grows),
        cmocka_unit_test(test_declared_query_names_are_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
