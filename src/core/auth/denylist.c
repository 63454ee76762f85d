/* denylist.c - suspended tenants and disabled users, reloaded in the background every few seconds
 */
#include "core/auth/denylist.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util/arena.h"
#include "core/db/db.h"
#include "core/util/log.h"
#include "core/auth/tenant_modules.h"
#include "auth_denylist_sql.h"
#include "auth_tenant_modules_sql.h"

typedef struct crm_denied_user {
    char id[37];
    long long valid_after; /* tokens with iat before it are refused (at or before, if !active) */
    bool active;
} crm_denied_user_t;

typedef struct crm_deny_set {
    char (*tenants)[37]; /* sorted */
    size_t ntenants;
    crm_denied_user_t *users; /* sorted by id */
    size_t nusers;
} crm_deny_set_t;

static struct {
    pthread_rwlock_t lock;
    crm_deny_set_t *set;
    pthread_t thread;
    bool running;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    bool stopping;
    const char *url;
    long refresh_s, window_s;
    PGconn *pg;
} crm_deny = {.lock = PTHREAD_RWLOCK_INITIALIZER,
              .stop_lock = PTHREAD_MUTEX_INITIALIZER,
              .stop_cond = PTHREAD_COND_INITIALIZER};

static void
crm_deny_set_free(crm_deny_set_t *s)
{
    if (!s)
        return;
    free(s->tenants);
    free(s->users);
    free(s);
}

static int
crm_cmp_id(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* One reload: a fresh set from the database, swapped in whole. */
static int
crm_deny_reload(char *err, size_t errlen)
{
    if (!crm_deny.pg || PQstatus(crm_deny.pg) != CONNECTION_OK) {
        PQfinish(crm_deny.pg);
        crm_deny.pg = crm_db_connect_plain(crm_deny.url, err, errlen);
        if (!crm_deny.pg)
            return -1;
    }
    char window[24];
    snprintf(window, sizeof(window), "%ld", crm_deny.window_s);
    const char *params[] = {window};
    uint64_t mark = crm_tenant_modules_mark(); /* before the snapshot */
    PQclear(PQexec(crm_deny.pg, "BEGIN READ ONLY"));
    PQclear(PQexec(crm_deny.pg, crm_sql_platform_role_enter.sql));
    PGresult *res = PQexecParams(crm_deny.pg, crm_sql_deny_list.sql,
                                 CRM_SQL_NPARAMS(crm_sql_deny_list, CRM_COUNT(params)), NULL,
                                 params, NULL, NULL, 0);
    PGresult *mods = PQexec(crm_deny.pg, crm_sql_tenant_modules_enabled.sql);
    PQclear(PQexec(crm_deny.pg, "COMMIT"));
    if (PQresultStatus(mods) == PGRES_TUPLES_OK)
        crm_tenant_modules_load(mods, mark); /* modules ride along with the deny list */
    PQclear(mods);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "%s", PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    int n = PQntuples(res);
    crm_deny_set_t *s = crm_xcalloc(1, sizeof(*s));
    s->tenants = crm_xcalloc((size_t)n + 1, sizeof(*s->tenants));
    s->users = crm_xcalloc((size_t)n + 1, sizeof(*s->users));
    for (int i = 0; i < n; i++) {
        const char *id = PQgetvalue(res, i, DENY_LIST_ID);
        if (PQgetvalue(res, i, DENY_LIST_KIND)[0] == 't') {
            snprintf(s->tenants[s->ntenants++], 37, "%s", id);
        } else {
            crm_denied_user_t *u = &s->users[s->nusers++];
            snprintf(u->id, sizeof(u->id), "%s", id);
            u->valid_after = atoll(PQgetvalue(res, i, DENY_LIST_VALID_AFTER));
            u->active = PQgetvalue(res, i, DENY_LIST_ACTIVE)[0] == 't';
        }
    }
    PQclear(res);
    qsort(s->tenants, s->ntenants, sizeof(*s->tenants), crm_cmp_id);
    qsort(s->users, s->nusers, sizeof(*s->users), crm_cmp_id);
    pthread_rwlock_wrlock(&crm_deny.lock);
    crm_deny_set_t *old = crm_deny.set;
    crm_deny.set = s;
    pthread_rwlock_unlock(&crm_deny.lock);
    crm_deny_set_free(old);
    return 0;
}

static void *
crm_deny_loop(void *arg)
{
    (void)arg;
    bool failing = false;
    pthread_mutex_lock(&crm_deny.stop_lock);
    while (!crm_deny.stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += crm_deny.refresh_s;
        while (!crm_deny.stopping &&
               pthread_cond_timedwait(&crm_deny.stop_cond, &crm_deny.stop_lock, &until) == 0)
            ;
        if (crm_deny.stopping)
            break;
        pthread_mutex_unlock(&crm_deny.stop_lock);
        char err[512];
        int rc = crm_deny_reload(err, sizeof(err));
        if (rc != 0 && !failing)
            crm_warn("deny list reload failed (keeping the last one): %s", err);
        else if (rc == 0 && failing)
            crm_info("deny list reloads again");
        failing = rc != 0;
        pthread_mutex_lock(&crm_deny.stop_lock);
    }
    pthread_mutex_unlock(&crm_deny.stop_lock);
    return NULL;
}

int
crm_denylist_start(const char *url, long refresh_s, long token_ttl_s, char *err, size_t errlen)
{
    crm_deny.url = url;
    crm_deny.refresh_s = refresh_s;
    crm_deny.window_s = token_ttl_s + 2 * 60; /* the verification leeway, with margin */
    crm_deny.stopping = false;
    if (crm_deny_reload(err, errlen) != 0)
        return -1;
    crm_deny.running = pthread_create(&crm_deny.thread, NULL, crm_deny_loop, NULL) == 0;
    return 0;
}

void
crm_denylist_stop(void)
{
    if (crm_deny.running) {
        pthread_mutex_lock(&crm_deny.stop_lock);
        crm_deny.stopping = true;
        pthread_cond_signal(&crm_deny.stop_cond);
        pthread_mutex_unlock(&crm_deny.stop_lock);
        pthread_join(crm_deny.thread, NULL);
        crm_deny.running = false;
    }
    PQfinish(crm_deny.pg);
    crm_deny.pg = NULL;
    crm_deny_set_free(crm_deny.set);
    crm_deny.set = NULL;
    crm_tenant_modules_free();
}

bool
crm_denylist_blocks(const crm_token_claims_t *c)
{
    bool blocked = false;
    pthread_rwlock_rdlock(&crm_deny.lock);
    const crm_deny_set_t *s = crm_deny.set;
    if (s && bsearch(c->tid, s->tenants, s->ntenants, sizeof(*s->tenants), crm_cmp_id))
        blocked = true;
    const crm_denied_user_t *u =
        s ? bsearch(c->sub, s->users, s->nusers, sizeof(*s->users), crm_cmp_id) : NULL;
    if (u && (u->active ? c->iat < u->valid_after : c->iat <= u->valid_after))
        blocked = true;
    pthread_rwlock_unlock(&crm_deny.lock);
    return blocked;
}
