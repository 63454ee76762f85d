/* web_app.h - serves the staff web app (CRM_WEB_DIR): index.html at / and for every page path
 * the API does not own, its hashed assets under /assets/, its other top-level files */
#ifndef CRM_CORE_WEB_APP_H
#define CRM_CORE_WEB_APP_H

#include <stdbool.h>

#include "core/http/request.h"
#include "core/http/router.h"
#include "core/util/config.h"

/* The app's only policy: its own scripts, styles, images and fonts, nothing inline, never
 * framed. */
#define CRM_WEB_CSP "default-src 'self'; frame-ancestors 'none'"

/* Where the app is; logs a warning when it has no index.html (the server starts all the
 * same, / answering 503 until it is built). */
void crm_web_app_init(const crm_config_t *config);

/* GET / and every path that falls back to the app: index.html (no-cache); a top-level file of
 * the app (favicon.svg, robots.txt, ...) for a one-segment path naming one. */
void crm_web_app_page(crm_req_t *r);
/* GET /assets/{asset}: a hashed asset, cached for a year (immutable). */
void crm_web_app_asset(crm_req_t *r);

/* Whether a GET or HEAD of path that no route matches loads the app (a client-side route such
 * as /diary or /contacts/123): not under a first segment any route starts with (/api,
 * /platform, /docs, /assets, /healthz, a module's, ...) nor under /webhooks, and no segment
 * empty (but for a trailing slash) or starting with a dot. */
bool crm_web_app_claims(const crm_router_t *rt, const char *method, const char *path);

#endif
