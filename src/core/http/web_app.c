/* web_app.c - serves the staff web app (CRM_WEB_DIR, Vite's build output): index.html at / and
 * for every page path the API does not own (the app routes on the client), its hashed assets
 * under /assets/ (cached for a year: a new build has new names), its other top-level files
 * (no-cache). Every answer carries the app's Content-Security-Policy. */
#include "core/http/web_app.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/http/static_files.h"
#include "core/util/log.h"

static const char *crm_web_dir;

/* First segments that are the server's even before a route exists under them (those of every
 * route, a module's included, are found in the router). */
static const char *const crm_web_reserved[] = {"api", "platform", "docs", "webhooks", "assets"};

void
crm_web_app_init(const crm_config_t *config)
{
    crm_web_dir = config->web_dir;
    struct stat st;
    int fd = crm_static_open(crm_web_dir, NULL, "index.html", &st);
    if (fd < 0)
        crm_warn("web app: no index.html in %s (run make build, or set CRM_WEB_DIR); / answers "
                 "503 until it is there",
                 crm_web_dir);
    else
        close(fd);
}

static void
crm_web_index(crm_req_t *r)
{
    struct stat st;
    int fd = crm_static_open(crm_web_dir, NULL, "index.html", &st);
    if (fd < 0) {
        crm_error("web app: cannot open %s/index.html: %s", crm_web_dir, strerror(errno));
        crm_req_add_header(r, "Retry-After", "60");
        crm_reply_problem(r, 503,
                          "the web app is not built on this server (run `make build`, or point "
                          "CRM_WEB_DIR at a built app)");
        return;
    }
    crm_static_reply(r, fd, &st, "text/html; charset=utf-8", "no-cache");
}

void
crm_web_app_page(crm_req_t *r)
{
    crm_req_add_header(r, "Content-Security-Policy", CRM_WEB_CSP);
    const char *name = r->path + 1;
    /* a one-segment path naming a kind of file is a file of the app, or nothing */
    const char *type = strchr(name, '/') ? NULL : crm_static_content_type(name);
    if (!type) {
        crm_web_index(r);
        return;
    }
    struct stat st;
    int fd = crm_static_open(crm_web_dir, NULL, name, &st);
    if (fd < 0) {
        crm_reply_problem(r, 404, "no such file");
        return;
    }
    crm_static_reply(r, fd, &st, type, "no-cache");
}

void
crm_web_app_asset(crm_req_t *r)
{
    crm_req_add_header(r, "Content-Security-Policy", CRM_WEB_CSP);
    const char *name = crm_req_param(r, "asset");
    const char *type = crm_static_content_type(name);
    struct stat st;
    int fd = type ? crm_static_open(crm_web_dir, "assets", name, &st) : -1;
    if (fd < 0) {
        crm_reply_problem(r, 404, "no such file");
        return;
    }
    crm_static_reply(r, fd, &st, type, "public, max-age=31536000, immutable");
}

bool
crm_web_app_claims(const crm_router_t *rt, const char *method, const char *path)
{
    if ((strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) || path[0] != '/' ||
        strlen(path) > 1024)
        return false;
    const char *first = path + 1;
    size_t first_len = strcspn(first, "/");
    for (size_t i = 0; i < sizeof(crm_web_reserved) / sizeof(crm_web_reserved[0]); i++)
        if (strlen(crm_web_reserved[i]) == first_len &&
            memcmp(crm_web_reserved[i], first, first_len) == 0)
            return false;
    if (crm_router_owns_segment(rt, first, first_len))
        return false;
    for (const char *seg = first;; seg += strcspn(seg, "/") + 1) {
        if (*seg == '/' || *seg == '.' || (*seg == '\0' && seg == first))
            return false; /* an empty segment, a dot segment or a dotfile */
        const char *slash = strchr(seg, '/');
        if (!slash || slash[1] == '\0') /* the last segment (a trailing slash is allowed) */
            return true;
    }
}
