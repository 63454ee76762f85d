/* worker.c - `crm worker`: the delivery worker as a process of its own, with /metrics */
#include "cli/worker.h"

#include <pthread.h>
#include <signal.h>

#include "core/db/db.h"
#include "core/http/http.h"
#include "core/http/metrics.h"
#include "core/http/db_problem.h"
#include "core/http/router.h"
#include "core/http/system_routes.h"
#include "core/messaging/worker.h"
#include "core/util/log.h"

int
crm_cli_worker(crm_config_t *c)
{
    char err[1024];
    /* Blocked before any thread starts: every thread inherits the mask, and the signals
     * reach only the sigwait below. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (!c->database_url) {
        crm_error("CRM_DATABASE_URL is not set");
        return 2;
    }
    crm_router_t *rt = crm_router_new();
    int status = 1;
    if (crm_router_add(rt, crm_system_routes, err, sizeof(err)) != 0) {
        crm_error("%s", err);
        goto out;
    }
    crm_db_init(c, crm_reply_db_error);
    crm_system_routes_init(c);
    crm_metrics_init(rt);
    if (crm_http_start(c, rt, err, sizeof(err)) != 0) {
        crm_error("%s", err);
        goto out;
    }
    crm_info("listening on http://%s%s%s:%d for /healthz, /readyz and /metrics",
             c->listen_ipv6 ? "[" : "", c->listen_host, c->listen_ipv6 ? "]" : "", crm_http_port());
    if (crm_worker_thread_start(c, err, sizeof(err)) != 0) {
        crm_error("%s", err);
        status = 2;
        crm_http_stop();
        goto out;
    }
    int sig = 0;
    sigwait(&signals, &sig);
    crm_info("received %s: finishing the send in flight, claiming nothing new",
             sig == SIGTERM ? "SIGTERM" : "SIGINT");
    crm_worker_thread_stop();
    crm_http_stop();
    status = 0;
out:
    crm_metrics_free();
    crm_router_free(rt);
    return status;
}
