/* server.c - `crm serve`: start-up checks, serving, and the graceful shutdown on a signal */
#include "core/http/server.h"

#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/auth/auth.h"
#include "core/db/db.h"
#include "core/auth/denylist.h"
#include "core/auth/jws.h"
#include "core/db/listing.h"
#include "core/auth/password.h"
#include "core/util/public_url.h"
#include "core/auth/rbac.h"
#include "core/auth/throttle.h"
#include "core/http/db_problem.h"
#include "core/http/http.h"
#include "core/util/log.h"
#include "core/http/metrics.h"
#include "core/db/migrate.h"
#include "core/module.h"
#include "core/http/openapi.h"
#include "db_migrate_sql.h"
#include "http_server_sql.h"
#include "core/http/system_routes.h"

/* With a connection of its own for provisioning (CRM_PLATFORM_DATABASE_URL), the split must be
 * real: that one can become crm_platform, and the serving one cannot, so that nothing done on
 * a tenant's behalf (an injection included) could ever act as crm_platform. */
static int
crm_server_check_platform(const crm_config_t *c)
{
    if (!c->platform_database_url || strcmp(c->platform_database_url, c->database_url) == 0)
        return 0;
    static const char *const urls[] = {"CRM_DATABASE_URL", "CRM_PLATFORM_DATABASE_URL"};
    const char *values[] = {c->database_url, c->platform_database_url};
    for (int i = 0; i < 2; i++) {
        char err[1024];
        PGconn *pg = crm_db_connect_plain(values[i], err, sizeof(err));
        if (!pg) {
            crm_error("%s: cannot connect: %s", urls[i], err);
            return -1;
        }
        PGresult *res = PQexec(pg, crm_sql_platform_membership.sql);
        bool member = PQresultStatus(res) == PGRES_TUPLES_OK &&
                      strcmp(PQgetvalue(res, 0, PLATFORM_MEMBERSHIP_MEMBER), "t") == 0;
        bool ok = i == 0 ? !member : member;
        if (!ok)
            crm_error("refusing to serve: the role %s of %s %s %s",
                      PQresultStatus(res) == PGRES_TUPLES_OK
                          ? PQgetvalue(res, 0, PLATFORM_MEMBERSHIP_CURRENT_USER)
                          : "?",
                      urls[i], i == 0 ? "can act as" : "cannot act as", CRM_DB_PLATFORM_ROLE);
        PQclear(res);
        PQfinish(pg);
        if (!ok)
            return -1;
    }
    return 0;
}

/* Refuses a database whose migrations are behind this binary, or whose app role would not
 * be held by row-level security. Everything runs as the app role, as requests will. */
static int
crm_server_check_database(const crm_config_t *c)
{
    char err[1024];
    PGconn *pg = crm_db_connect_plain(c->database_url, err, sizeof(err));
    if (!pg) {
        crm_error("CRM_DATABASE_URL: cannot connect: %s", err);
        return -1;
    }
    int rc = -1;
    PQclear(PQexec(pg, "BEGIN"));
    PGresult *res = PQexec(pg, crm_sql_app_role_enter.sql);
    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
        PQclear(res);
        res = PQexec(pg, crm_sql_app_role_powers.sql);
    }
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        crm_error("cannot switch to the role %s (is the connecting role a member? has `crm "
                  "migrate` run?): %s",
                  CRM_DB_APP_ROLE, PQresultErrorMessage(res));
        goto out;
    }
    if (strcmp(PQgetvalue(res, 0, APP_ROLE_POWERS_ROLSUPER), "t") == 0 ||
        strcmp(PQgetvalue(res, 0, APP_ROLE_POWERS_ROLBYPASSRLS), "t") == 0 ||
        strcmp(PQgetvalue(res, 0, APP_ROLE_POWERS_OWNS_TABLES), "t") == 0) {
        crm_error("refusing to serve: the role %s is superuser, has BYPASSRLS or owns tables, "
                  "so row-level security would not isolate tenants",
                  CRM_DB_APP_ROLE);
        goto out;
    }
    PQclear(res);
    res = PQexec(pg, crm_sql_migrations_applied.sql);
    size_t pending = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        crm_error("cannot read schema_migrations (run `crm migrate` first): %s",
                  PQresultErrorMessage(res));
        goto out;
    }
    if (crm_migrate_check_result(res, &pending, err, sizeof(err)) != 0) {
        crm_error("%s", err);
        goto out;
    }
    if (pending) {
        crm_error("%zu database migrations are pending: run `crm migrate` first", pending);
        goto out;
    }
    rc = 0;
out:
    PQclear(res);
    PQclear(PQexec(pg, "ROLLBACK"));
    PQfinish(pg);
    return rc;
}

/* Waits for in-flight requests until the deadline; a second signal cuts it short. */
static void
crm_server_drain(const crm_config_t *c, const sigset_t *signals)
{
    crm_http_drain();
    crm_info("draining: %ld requests in flight, waiting up to %lds", crm_http_in_flight(),
             c->shutdown_timeout_s);
    struct timespec start, now, tick = {0, 10 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!crm_http_quiet()) {
        if (sigtimedwait(signals, NULL, &tick) > 0) {
            crm_warn("second signal: stopping now");
            return;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= c->shutdown_timeout_s) {
            crm_warn("shutdown deadline reached with %ld requests in flight", crm_http_in_flight());
            return;
        }
    }
}

int
crm_server_run(const crm_config_t *c, void (*ready)(int port))
{
    char err[4096];
    int status = 1;
    /* Blocked before any thread starts, so every thread inherits the mask and the signals
     * reach only sigwait below. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    crm_router_t *rt = crm_router_new();
    if (crm_openapi_build(err, sizeof(err)) != 0 ||
        crm_modules_build_router(rt, err, sizeof(err)) != 0 ||
        crm_modules_init(c, err, sizeof(err)) != 0) {
        crm_error("%s", err);
        goto out;
    }
    if (crm_rbac_init(rt, err, sizeof(err)) != 0) {
        crm_error("%s", err);
        goto out;
    }
    if (crm_jws_load_keys(c->jwt_keys, err, sizeof(err)) != 0) {
        crm_error("%s", err);
        status = 2; /* a key set it cannot use is a bad setting, like any other */
        goto out;
    }
    crm_jws_configure(c->jwt_issuer, c->jwt_audience, c->access_token_ttl_s);
    crm_listing_init();
    crm_auth_init(c->platform_key);
    crm_password_init(c->hash_concurrency);
    crm_throttle_init(c->login_max_failures, c->login_window_s, c->login_ip_max,
                      c->security_events_per_minute);
    crm_db_init(c, crm_reply_db_error);
    crm_system_routes_init(c);
    crm_metrics_init(rt);
    if (crm_server_check_database(c) != 0 || crm_server_check_platform(c) != 0)
        goto out;
    if (crm_denylist_start(c->platform_database_url ? c->platform_database_url : c->database_url,
                           c->denylist_refresh_s, c->access_token_ttl_s, err, sizeof(err)) != 0) {
        crm_error("loading the token deny list: %s", err);
        goto out;
    }

    if (c->public_url)
        crm_public_url_set(c->public_url);
    else
        crm_public_url_set_default(c->listen_host, c->listen_ipv6, c->listen_port);
    if (crm_http_start(c, rt, err, sizeof(err)) != 0) {
        crm_error("%s", err);
        goto out;
    }
    if (!c->public_url && c->listen_port == 0) /* known now; clients learn the port below */
        crm_public_url_set_default(c->listen_host, c->listen_ipv6, crm_http_port());
    crm_info("listening on http://%s%s%s:%d with %ld threads; public URL %s",
             c->listen_ipv6 ? "[" : "", c->listen_host, c->listen_ipv6 ? "]" : "", crm_http_port(),
             c->threads, crm_public_url());
    if (c->proxies.n)
        crm_info("X-Forwarded-For and X-Forwarded-Proto believed from %s", c->trusted_proxies);
    if (ready)
        ready(crm_http_port());
    int sig = 0;
    sigwait(&signals, &sig);
    crm_info("received %s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    crm_server_drain(c, &signals);
    crm_http_stop();
    crm_info("stopped");
    status = 0;
out:
    crm_denylist_stop();
    crm_password_free();
    crm_jws_free_keys();
    crm_rbac_free();
    crm_metrics_free();
    crm_modules_free();
    crm_openapi_free();
    crm_router_free(rt);
    return status;
}
