/* router.c - fuzz target of src/core/router.c against the real route tables (the system routes
 * and every compiled-in module's): the input is "METHOD /path?query", as the request line
 * gives them. A match must name a route of that method whose template fits the path, with
 * parameters that are whole segments of it; a 405 lists the methods; every query name is
 * looked up among the route's declared ones. */
#include "core/util/json.h"
#include "core/module.h"
#include "core/http/router.h"
#include "fuzz.h"

static crm_router_t *fuzz_router;

static void
fuzz_router_free(void)
{
    crm_router_free(fuzz_router);
    crm_modules_free();
}

static void
fuzz_check_match(const crm_match_t *m, const char *method, const char *path)
{
    FUZZ_CHECK(m->route && m->index < crm_router_count(fuzz_router));
    FUZZ_CHECK(crm_router_route(fuzz_router, m->index) == m->route);
    FUZZ_CHECK(strcmp(m->route->method, strcmp(method, "HEAD") == 0 ? "GET" : method) == 0);
    FUZZ_CHECK(m->nparams <= CRM_ROUTER_MAX_PARAMS);
    size_t path_len = strlen(path);
    for (size_t i = 0; i < m->nparams; i++) {
        const crm_path_param_t *p = &m->params[i];
        /* the value is a whole, non-empty segment of the path */
        FUZZ_CHECK(p->value > path && p->value + p->value_len <= path + path_len);
        FUZZ_CHECK(p->value_len > 0 && p->value[-1] == '/');
        FUZZ_CHECK(p->value[p->value_len] == '/' || p->value[p->value_len] == '\0');
        FUZZ_CHECK(!memchr(p->value, '/', p->value_len));
        /* the name is a {name} of the template */
        FUZZ_CHECK(p->name > m->route->path && p->name[-1] == '{' && p->name[p->name_len] == '}');
        crm_utf8_check(p->value, p->value_len);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_router) {
        char err[512];
        fuzz_router = crm_router_new();
        if (crm_modules_build_router(fuzz_router, err, sizeof(err)) != 0) {
            fprintf(stderr, "router: %s\n", err);
            abort();
        }
        atexit(fuzz_router_free);
    }
    char *line = fuzz_cstring(data, size);
    const char *method = "GET";
    char *path = line;
    char *space = strchr(line, ' ');
    if (space) {
        *space = '\0';
        method = line;
        path = space + 1;
    }
    char *query = strchr(path, '?');
    if (query)
        *query++ = '\0';

    crm_match_t m;
    crm_match_result_t res = crm_router_match(fuzz_router, method, path, &m);
    if (res == CRM_MATCH_FOUND) {
        fuzz_check_match(&m, method, path);
    } else if (res == CRM_MATCH_BAD_METHOD) {
        FUZZ_CHECK(m.allow[0] != '\0' && strlen(m.allow) < sizeof(m.allow));
        FUZZ_CHECK(!m.route);
    } else {
        FUZZ_CHECK(res == CRM_MATCH_NOT_FOUND && !m.route);
    }
    /* query parameters: name=value pairs split on '&' */
    for (char *pair = query, *next; pair && *pair; pair = next) {
        next = strchr(pair, '&');
        if (next)
            *next++ = '\0';
        char *eq = strchr(pair, '=');
        if (eq)
            *eq = '\0';
        if (res == CRM_MATCH_FOUND)
            crm_route_declares_query(m.route, pair);
        crm_utf8_check(pair, strlen(pair));
        if (eq)
            crm_utf8_check(eq + 1, strlen(eq + 1));
    }
    free(line);
    return 0;
}
