/* router.h - route tables: {method, path template, handler, permission, query params} rows */
#ifndef CRM_CORE_ROUTER_H
#define CRM_CORE_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

struct crm_req;
typedef void (*crm_handler_fn)(struct crm_req *r);

/* The permission of a route anyone may call, without a token. Every other route names the
 * permission its caller's role must hold; a route without one is refused at start-up. */
#define CRM_PERM_PUBLIC "public"

enum {
    CRM_ROUTE_JSON_BODY = 1 << 0,  /* takes an application/json body (parsed before the handler) */
    CRM_ROUTE_CSV_BODY = 1 << 1,   /* takes a text/csv body (UTF-8), up to CRM_MAX_IMPORT_BYTES */
    CRM_ROUTE_OWN_ERRORS = 1 << 2, /* errors in its module's format (reply_error), not RFC 9457 */
    /* with CRM_ROUTE_JSON_BODY: the body may be left out (no bytes); the handler then sees
     * json NULL. A body that is sent must still be application/json. */
    CRM_ROUTE_BODY_OPTIONAL = 1 << 3,
    /* any query string, never read by the server (the web app's pages: the app reads it) */
    CRM_ROUTE_ANY_QUERY = 1 << 4,
};

typedef struct crm_route {
    const char *method;       /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *path;         /* "/api/v1/contacts/{id}": {name} matches one path segment */
    crm_handler_fn handler;   /* NULL ends a table */
    const char *permission;   /* CRM_PERM_PUBLIC or "contacts.read" */
    const char *const *query; /* declared query parameters (NULL-terminated), NULL for none */
    unsigned flags;
} crm_route_t;

#define CRM_ROUTER_MAX_SEGMENTS 16
#define CRM_ROUTER_MAX_PARAMS   4

typedef struct crm_path_param {
    const char *name; /* points into the route's template, not NUL-terminated */
    size_t name_len;
    const char *value; /* points into the request path, not NUL-terminated */
    size_t value_len;
} crm_path_param_t;

typedef enum {
    CRM_MATCH_FOUND,
    CRM_MATCH_NOT_FOUND,
    CRM_MATCH_BAD_METHOD, /* the path exists, not with this method: see allow */
} crm_match_result_t;

typedef struct crm_match {
    const crm_route_t *route;
    size_t index; /* the route's position in the router, stable for the process' life */
    size_t nparams;
    crm_path_param_t params[CRM_ROUTER_MAX_PARAMS];
    char allow[64]; /* "GET, HEAD, POST" for 405 */
} crm_match_t;

typedef struct crm_router crm_router_t;

crm_router_t *crm_router_new(void);
void crm_router_free(crm_router_t *rt);
/* Adds every row of a table (ending with a row whose handler is NULL). Refuses malformed
 * rows (bad method or template, no permission, duplicates: the same method and template, even
 * with other parameter names) with a message in err. */
int crm_router_add(crm_router_t *rt, const crm_route_t *table, char *err, size_t errlen);
size_t crm_router_count(const crm_router_t *rt);
const crm_route_t *crm_router_route(const crm_router_t *rt, size_t index);

/* HEAD is served by GET routes. Among templates matching a path, the one whose first
 * differing segment is literal wins: /deals/summary beats /deals/{id}. */
crm_match_result_t crm_router_match(const crm_router_t *rt, const char *method, const char *path,
                                    crm_match_t *m);

bool crm_route_declares_query(const crm_route_t *route, const char *name);

/* Whether some route's path starts with the literal segment seg (len bytes): "api" for
 * /api/v1/..., so that a path under it is the API's, whether a route matches it or not. */
bool crm_router_owns_segment(const crm_router_t *rt, const char *seg, size_t len);

#endif
