/* system_routes.c - health, readiness, metrics, API documentation and the web app's routes */
#include "core/http/system_routes.h"

#include <string.h>

#include "core/auth/auth.h"
#include "core/util/buf.h"
#include "core/db/db.h"
#include "core/http/http.h"
#include "core/http/metrics.h"
#include "core/db/migrate.h"
#include "core/http/openapi.h"
#include "core/http/request.h"
#include "core/http/static_files.h"
#include "core/http/web_app.h"
#include "db_migrate_sql.h"

static const char *crm_docs_dir;
static const char *crm_metrics_token;

void
crm_system_routes_init(const crm_config_t *config)
{
    crm_docs_dir = config->docs_dir;
    crm_metrics_token = config->metrics_token;
    crm_web_app_init(config);
}

static void
crm_healthz(crm_req_t *r)
{
    static const char body[] = "{\"status\":\"ok\"}";
    crm_req_add_header(r, "Cache-Control", "no-store");
    crm_reply(r, 200, "application/json", body, sizeof(body) - 1);
}

/* Ready: not shutting down, the database answers, and it has every migration we know. */
static void
crm_readyz(crm_req_t *r)
{
    crm_req_add_header(r, "Cache-Control", "no-store");
    if (crm_http_draining()) {
        crm_reply_problem(r, 503, "the server is shutting down");
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD0(tx, crm_sql_migrations_applied);
    if (crm_tx_run(tx) != 0)
        return; /* 503 (or the mapped error) already replied */
    size_t pending;
    char err[512];
    if (crm_migrate_check_result(crm_tx_result(tx, i), &pending, err, sizeof(err)) != 0) {
        crm_reply_problem(r, 503, "%s", err);
        return;
    }
    if (pending) {
        crm_reply_problem(r, 503, "%zu database migrations are pending (run crm migrate)", pending);
        return;
    }
    static const char body[] =
        "{\"status\":\"ready\",\"database\":\"up\",\"migrations\":\"current\"}";
    crm_reply(r, 200, "application/json", body, sizeof(body) - 1);
}

/* Open, or behind CRM_METRICS_TOKEN as a bearer token when set. */
static void
crm_metrics(crm_req_t *r)
{
    if (crm_metrics_token && crm_auth_demand(r, crm_metrics_token, "metrics token") != 0)
        return;
    crm_buf_t b;
    crm_buf_init(&b, r->arena, 8192);
    crm_metrics_render(&b);
    crm_req_add_header(r, "Cache-Control", "no-store");
    crm_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
}

static void
crm_openapi(crm_req_t *r)
{
    const char *etag = crm_openapi_etag();
    crm_req_add_header(r, "ETag", etag);
    crm_req_add_header(r, "Cache-Control", "no-cache");
    const char *inm = crm_req_header(r, "If-None-Match");
    if (inm && strstr(inm, etag)) {
        crm_reply(r, 304, NULL, "", 0);
        return;
    }
    size_t len;
    const char *text = crm_openapi_text(&len);
    crm_reply(r, 200, "application/json", text, len);
}

static const char crm_docs_html[] =
    "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>CRM API</title>\n"
    "<link rel=\"stylesheet\" href=\"/docs/swagger-ui.css\">\n"
    "<link rel=\"icon\" type=\"image/png\" href=\"/docs/favicon-32x32.png\">\n"
    "</head>\n<body>\n<div id=\"swagger-ui\"></div>\n"
    "<script src=\"/docs/swagger-ui-bundle.js\"></script>\n"
    "<script src=\"/docs/swagger-initializer.js\"></script>\n"
    "</body>\n</html>\n";

static const char crm_docs_init_js[] = "window.onload = function () {\n"
                                       "  window.ui = SwaggerUIBundle({\n"
                                       "    url: '/openapi.json',\n"
                                       "    dom_id: '#swagger-ui',\n"
                                       "    deepLinking: true,\n"
                                       "    presets: [SwaggerUIBundle.presets.apis],\n"
                                       "    layout: 'BaseLayout'\n"
                                       "  });\n"
                                       "};\n";

static const crm_static_file_t crm_docs_assets[] = {
    {"swagger-ui.css", "text/css; charset=utf-8"},
    {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
    {"swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8"},
    {"favicon-32x32.png", "image/png"},
    {"favicon-16x16.png", "image/png"},
    {NULL, NULL},
};

/* Swagger UI's page: its own scripts and styles only (no inline script: the initializer is a
 * file), the SVG icons its stylesheet holds as data: URLs, never framed. */
#define CRM_DOCS_CSP                                                                               \
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none';"                \
    " frame-ancestors 'none'"

static void
crm_docs(crm_req_t *r)
{
    crm_req_add_header(r, "Cache-Control", "no-cache");
    crm_req_add_header(r, "Content-Security-Policy", CRM_DOCS_CSP);
    crm_reply(r, 200, "text/html; charset=utf-8", crm_docs_html, sizeof(crm_docs_html) - 1);
}

static void
crm_docs_asset(crm_req_t *r)
{
    const char *name = crm_req_param(r, "asset");
    if (strcmp(name, "swagger-initializer.js") == 0) {
        crm_reply(r, 200, "text/javascript; charset=utf-8", crm_docs_init_js,
                  sizeof(crm_docs_init_js) - 1);
        return;
    }
    crm_static_send(r, crm_docs_dir, name, crm_docs_assets);
}

const crm_route_t crm_system_routes[] = {
    {"GET", "/healthz", crm_healthz, CRM_PERM_PUBLIC, NULL, 0},
    {"GET", "/readyz", crm_readyz, CRM_PERM_PUBLIC, NULL, 0},
    {"GET", "/metrics", crm_metrics, CRM_PERM_PUBLIC, NULL, 0},
    {"GET", "/openapi.json", crm_openapi, CRM_PERM_PUBLIC, NULL, 0},
    {"GET", "/docs", crm_docs, CRM_PERM_PUBLIC, NULL, 0},
    {"GET", "/docs/{asset}", crm_docs_asset, CRM_PERM_PUBLIC, NULL, 0},
    /* the staff web app; every other page path falls back to / (http.c, web_app.c) */
    {"GET", "/", crm_web_app_page, CRM_PERM_PUBLIC, NULL, CRM_ROUTE_ANY_QUERY},
    {"GET", "/assets/{asset}", crm_web_app_asset, CRM_PERM_PUBLIC, NULL, CRM_ROUTE_ANY_QUERY},
    {NULL, NULL, NULL, NULL, NULL, 0},
};
