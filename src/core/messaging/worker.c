/* worker.c - the delivery worker: claims due outbox rows, words them, sends them by email or
 * SMS and records what the provider answered */
#include "core/messaging/worker.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/db/db.h"
#include "core/messaging/email_transport.h"
#include "core/messaging/sms_twilio.h"
#include "core/messaging/worker_compose.h"
#include "core/messaging/worker_metrics.h"
#include "core/module.h"
#include "core/util/arena.h"
#include "core/util/log.h"
#include "core/util/phone.h"
#include "messaging_worker_sql.h"

enum { WORKER_MAX_PREPARED = 32 };

struct crm_worker {
    const crm_config_t *config;
    char id[128];     /* claimed_by: CRM_WORKER_ID, or host:pid */
    char timeout[24]; /* statement timeout, ms */
    char batch[16], lease[16];
    char *status_callback; /* CRM_PUBLIC_URL/webhooks/twilio/status, or NULL */
    char sms_from[CRM_PHONE_MAX];
    const char *config_sms_from; /* CRM_SMS_FROM, in E.164 when a number */
    PGconn *pg;
    const char *tenant; /* the tenant acted for (worker_as_tenant), bound where a statement
                           names it; NULL as the worker itself */
    const crm_stmt_t *prepared[WORKER_MAX_PREPARED];
    crm_email_transport *email;
    crm_sms_transport *sms;
};

/* One claimed row through the round. */
typedef struct worker_row {
    const char *tenant_id, *id, *topic, *channel, *provider_id;
    const char *reason;   /* set while wording: why it will not be sent */
    const char *retry;    /* set while wording: a passing failure (the module's statement) */
    json_t *context;      /* the module's context (owned), or NULL */
    crm_worker_message m; /* worded */
} worker_row;

/* ---- the connection ---------------------------------------------------------------------- */

static void
worker_disconnect(crm_worker *w)
{
    if (w->pg)
        PQfinish(w->pg);
    w->pg = NULL;
    memset(w->prepared, 0, sizeof(w->prepared));
}

/* Runs stmt with text parameters, preparing it on first use on this connection (past
 * WORKER_MAX_PREPARED statements it runs unprepared). The result (to PQclear), or NULL with
 * the error logged. */
static PGresult *
worker_exec(crm_worker *w, const crm_stmt_t *stmt, int n, const char *const *values)
{
    const char *bound[CRM_TX_MAX_PARAMS + 1];
    values = crm_stmt_params(stmt, n, values, w->tenant, bound, &n);
    size_t slot = 0;
    while (slot < WORKER_MAX_PREPARED && w->prepared[slot] && w->prepared[slot] != stmt)
        slot++;
    PGresult *res;
    if (slot == WORKER_MAX_PREPARED) {
        res = PQexecParams(w->pg, stmt->sql, n, NULL, values, NULL, NULL, 0);
    } else {
        if (!w->prepared[slot]) {
            PGresult *p = PQprepare(w->pg, stmt->name, stmt->sql, 0, NULL);
            bool ok = PQresultStatus(p) == PGRES_COMMAND_OK;
            if (!ok)
                crm_error("worker: preparing %s: %s", stmt->name, PQresultErrorMessage(p));
            PQclear(p);
            if (!ok)
                return NULL;
            w->prepared[slot] = stmt;
        }
        res = PQexecPrepared(w->pg, stmt->name, n, values, NULL, NULL, 0);
    }
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        crm_error("worker: %s: %s", stmt->name, PQresultErrorMessage(res));
        PQclear(res);
        return NULL;
    }
    return res;
}

/* Runs a statement whose rows do not matter: 0, or -1 (logged). */
static int
worker_do(crm_worker *w, const crm_stmt_t *stmt, int n, const char *const *values)
{
    PGresult *res = worker_exec(w, stmt, n, values);
    PQclear(res);
    return res ? 0 : -1;
}

static int
worker_plain(crm_worker *w, const char *sql)
{
    PGresult *res = PQexec(w->pg, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        crm_error("worker: %s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
    return ok ? 0 : -1;
}

/* worker_exec and worker_do with the statement's parameters counted at compile time. */
#define WORKER_EXEC(w, S, ...)                                                                     \
    worker_exec((w), &(S), CRM_SQL_NPARAMS(S, CRM_NARGS(__VA_ARGS__)),                             \
                (const char *const[]){__VA_ARGS__})
#define WORKER_DO(w, S, ...)                                                                       \
    worker_do((w), &(S), CRM_SQL_NPARAMS(S, CRM_NARGS(__VA_ARGS__)),                               \
              (const char *const[]){__VA_ARGS__})

static int
worker_connect(crm_worker *w)
{
    if (w->pg && PQstatus(w->pg) == CONNECTION_OK)
        return 0;
    worker_disconnect(w);
    char err[512];
    w->pg = crm_db_connect_plain(w->config->database_url, err, sizeof(err));
    if (!w->pg) {
        crm_error("worker: %s", err);
        return -1;
    }
    if (WORKER_DO(w, crm_sql_worker_session, w->timeout, w->id) != 0) {
        worker_disconnect(w);
        return -1;
    }
    return 0;
}

/* ---- wording: under each tenant's identity, inside the claiming transaction --------------- */

/* "{a,b,c}" of the ids of rows [from, to) with this topic, in the arena. */
static const char *
worker_id_array(crm_arena_t *a, worker_row *rows, size_t from, size_t to, const char *topic)
{
    crm_buf_t b;
    crm_buf_init(&b, a, 40 * (to - from) + 2);
    crm_buf_putc(&b, '{');
    for (size_t i = from; i < to; i++) {
        if (strcmp(rows[i].topic, topic) != 0)
            continue;
        if (b.len > 1)
            crm_buf_putc(&b, ',');
        crm_buf_puts(&b, rows[i].id);
    }
    crm_buf_putc(&b, '}');
    return b.data;
}

/* Runs the kind's context statement for the rows [from, to) of its topic, filling their
 * context and reason. -1 when the statement failed. */
static int
worker_contexts(crm_worker *w, crm_arena_t *a, const crm_message_kind_t *kind, worker_row *rows,
                size_t from, size_t to)
{
    const char *ids = worker_id_array(a, rows, from, to, kind->name);
    PGresult *res = worker_exec(w, kind->context, 1, &ids);
    if (!res)
        return -1;
    /* the columns core/module.h names for a context statement */
    int col_id = PQfnumber(res, "id"), col_context = PQfnumber(res, "context"),
        col_reason = PQfnumber(res, "reason");
    if (col_id < 0 || col_context < 0 || col_reason < 0) {
        crm_error("worker: %s does not return id, context and reason", kind->context->name);
        PQclear(res);
        return -1;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        const char *id = PQgetvalue(res, r, col_id);
        for (size_t i = from; i < to; i++) {
            if (strcmp(rows[i].id, id) != 0)
                continue;
            if (!PQgetisnull(res, r, col_context))
                rows[i].context = json_loads(PQgetvalue(res, r, col_context), 0, NULL);
            if (!PQgetisnull(res, r, col_reason))
                rows[i].reason = crm_arena_strdup(a, PQgetvalue(res, r, col_reason));
        }
    }
    PQclear(res);
    for (size_t i = from; i < to; i++)
        if (strcmp(rows[i].topic, kind->name) == 0 && !rows[i].context && !rows[i].reason)
            rows[i].reason = "what it was about is gone";
    return 0;
}

/* Words the rows [from, to), all of one tenant (they are sorted by tenant, then topic). A
 * failure of the tenant's statements is rolled back to a savepoint and marks its rows for a
 * retry, so that one module's error holds up no other tenant. */
static void
worker_word_tenant(crm_worker *w, crm_arena_t *a, worker_row *rows, size_t from, size_t to)
{
    const char *tenant = rows[from].tenant_id;
    crm_buf_t kinds;
    crm_buf_init(&kinds, a, 64);
    crm_buf_putc(&kinds, '{');
    for (size_t i = from; i < to; i++) {
        if (i > from && strcmp(rows[i].topic, rows[i - 1].topic) == 0)
            continue;
        if (kinds.len > 1)
            crm_buf_putc(&kinds, ',');
        crm_buf_json_string(&kinds, rows[i].topic);
    }
    crm_buf_putc(&kinds, '}');
    const char *failed = NULL;
    PGresult *tenant_row = NULL;
    w->tenant = tenant;
    if (worker_plain(w, "SAVEPOINT tenant") != 0 ||
        WORKER_DO(w, crm_sql_worker_as_tenant, tenant) != 0 ||
        !(tenant_row = WORKER_EXEC(w, crm_sql_worker_tenant, kinds.data)) ||
        PQntuples(tenant_row) != 1) {
        failed = "its tenant could not be read";
    }
    for (size_t i = from; i < to && !failed; i++) {
        if (i > from && strcmp(rows[i].topic, rows[i - 1].topic) == 0)
            continue;
        const crm_message_kind_t *kind = crm_message_kind_find(rows[i].topic);
        if (kind && kind->context && worker_contexts(w, a, kind, rows, i, to) != 0)
            failed =
                crm_arena_sprintf(a, "the context of %s messages could not be read", rows[i].topic);
    }
    if (failed) {
        worker_plain(w, "ROLLBACK TO SAVEPOINT tenant");
        for (size_t i = from; i < to; i++)
            rows[i].retry = failed;
        PQclear(tenant_row);
        w->tenant = NULL;
        return;
    }
    json_t *settings = json_loads(PQgetvalue(tenant_row, 0, WORKER_TENANT_SETTINGS), 0, NULL);
    json_t *templates = json_loads(PQgetvalue(tenant_row, 0, WORKER_TENANT_TEMPLATES), 0, NULL);
    crm_worker_tenant t = {
        .name = PQgetvalue(tenant_row, 0, WORKER_TENANT_NAME),
        .settings = settings,
        .templates = templates,
        .sms_from = w->config_sms_from,
        .email_from = crm_email_transport_from(w->email),
    };
    for (size_t i = from; i < to; i++)
        crm_worker_compose(a, crm_message_kind_find(rows[i].topic), rows[i].topic, rows[i].channel,
                           &t, rows[i].context, rows[i].reason, &rows[i].m);
    json_decref(settings);
    json_decref(templates);
    PQclear(tenant_row);
    w->tenant = NULL;
    if (worker_do(w, &crm_sql_worker_as_worker, CRM_SQL_NPARAMS(crm_sql_worker_as_worker, 0),
                  NULL) != 0)
        for (size_t i = from; i < to; i++)
            rows[i].retry = "the worker could not return to its own role";
    worker_plain(w, "RELEASE SAVEPOINT tenant");
}

/* ---- the round ---------------------------------------------------------------------------- */

/* The rows' wording (or reasons) as the JSON worker_prepared takes. */
static char *
worker_prepared_json(const worker_row *rows, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        if (rows[i].retry)
            continue;
        const crm_worker_message *m = &rows[i].m;
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?}", "tenant_id",
                           rows[i].tenant_id, "id", rows[i].id, "recipient", m->recipient, "sender",
                           m->sender, "subject", m->subject, "body", m->text, "reason", m->reason));
    }
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return text;
}

/* Words rows [from, to), all of one tenant, in a transaction of its own: what they will say
 * (or why they no longer apply) recorded, or each marked for a retry. A transaction per
 * tenant: on Citus, the tenant's rows may not be read as crm_app where crm_worker has written
 * them in the same transaction (the claim, or another tenant's wording on the same shard). */
static void
worker_word(crm_worker *w, crm_arena_t *a, worker_row *rows, size_t from, size_t to)
{
    if (worker_plain(w, "BEGIN") != 0) {
        for (size_t i = from; i < to; i++)
            rows[i].retry = "the database did not answer";
        return;
    }
    worker_word_tenant(w, a, rows, from, to);
    char *prepared = worker_prepared_json(rows + from, to - from);
    int rc = WORKER_DO(w, crm_sql_worker_prepared, prepared, w->id, rows[from].tenant_id);
    free(prepared);
    if (rc != 0 || worker_plain(w, "COMMIT") != 0) {
        worker_plain(w, "ROLLBACK");
        for (size_t i = from; i < to; i++)
            if (!rows[i].retry)
                rows[i].retry = "what it will say could not be recorded";
    }
}

/* Claims a batch (committed with its lease), then words each tenant's rows: the rows claimed
 * (in the arena) and their number, 0 when none was due, -1 when the claim failed (rolled
 * back). */
static long
worker_claim(crm_worker *w, crm_arena_t *a, worker_row **out)
{
    if (worker_connect(w) != 0)
        return -1;
    if (worker_plain(w, "BEGIN") != 0)
        return -1;
    PGresult *res = WORKER_EXEC(w, crm_sql_worker_claim, w->id, w->batch, w->lease);
    if (!res || worker_plain(w, "COMMIT") != 0) {
        PQclear(res);
        worker_plain(w, "ROLLBACK");
        return -1;
    }
    size_t n = (size_t)PQntuples(res);
    worker_row *rows = crm_arena_calloc(a, (n ? n : 1) * sizeof(*rows));
    for (size_t i = 0; i < n; i++) {
        rows[i].tenant_id = crm_arena_strdup(a, PQgetvalue(res, (int)i, WORKER_CLAIM_TENANT_ID));
        rows[i].id = crm_arena_strdup(a, PQgetvalue(res, (int)i, WORKER_CLAIM_ID));
        rows[i].topic = crm_arena_strdup(a, PQgetvalue(res, (int)i, WORKER_CLAIM_TOPIC));
        rows[i].channel = crm_arena_strdup(a, PQgetvalue(res, (int)i, WORKER_CLAIM_CHANNEL));
        if (!PQgetisnull(res, (int)i, WORKER_CLAIM_PROVIDER_ID))
            rows[i].provider_id =
                crm_arena_strdup(a, PQgetvalue(res, (int)i, WORKER_CLAIM_PROVIDER_ID));
    }
    PQclear(res);
    for (size_t from = 0; from < n;) {
        size_t to = from + 1;
        while (to < n && strcmp(rows[to].tenant_id, rows[from].tenant_id) == 0)
            to++;
        worker_word(w, a, rows, from, to);
        from = to;
    }
    *out = rows;
    return (long)n;
}

/* Sends one worded row through its channel. */
static void
worker_send(crm_worker *w, const worker_row *row, crm_send_result *r)
{
    const crm_worker_message *m = &row->m;
    memset(r, 0, sizeof(*r));
    if (strcmp(m->channel, "sms") == 0) {
        crm_sms_message sms = {.to = m->recipient,
                               .from = m->sender,
                               .body = m->text,
                               .status_callback = w->status_callback};
        crm_sms_send(w->sms, &sms, r);
        return;
    }
    crm_email e = {
        .from_name = m->from_name,
        .reply_to = m->reply_to,
        .to = m->recipient,
        .subject = m->subject,
        .text = m->text,
        .html = m->html,
        .ics = m->ics,
        .ics_method = m->ics_method,
        /* a retry keeps its Message-ID, so that a relay or client can tell a repeat */
        .message_id = row->provider_id && row->provider_id[0] == '<' ? row->provider_id : NULL,
    };
    crm_email_transport_send(w->email, &e, time(NULL), r);
}

/* Records r for row; the outcome counted. false when the database did not answer (the row
 * stays claimed until its lease runs out). */
static bool
worker_settle(crm_worker *w, const worker_row *row, const crm_send_result *r)
{
    static const char *const outcome[] = {
        [CRM_SEND_OK] = "sent", [CRM_SEND_RETRY] = "retry", [CRM_SEND_PERMANENT] = "failed"};
    const char *provider = r->provider_id[0] ? r->provider_id : NULL;
    const char *code = r->error_code[0] ? r->error_code : NULL;
    const char *error = r->error[0] ? r->error : NULL;
    PGresult *res = WORKER_EXEC(w, crm_sql_worker_settle, row->tenant_id, row->id, w->id,
                                outcome[r->status], provider, code, error);
    if (!res) {
        crm_warn("worker: the outcome of outbox row %s (%s) is not recorded: its lease will "
                 "run out and it will be sent again",
                 row->id, outcome[r->status]);
        return false;
    }
    if (strcmp(PQgetvalue(res, 0, WORKER_SETTLE_SETTLED), "t") != 0)
        crm_warn("worker: outbox row %s was no longer ours when it %s (its lease ran out)", row->id,
                 outcome[r->status]);
    PQclear(res);
    crm_worker_metrics_count(r->status == CRM_SEND_OK      ? CRM_WORKER_SENT
                             : r->status == CRM_SEND_RETRY ? CRM_WORKER_RETRIED
                                                           : CRM_WORKER_FAILED,
                             1);
    return true;
}

int
crm_worker_round(crm_worker *w, const atomic_bool *stop)
{
    crm_arena_t *a = crm_arena_create(16384);
    worker_row *rows = NULL;
    long n = worker_claim(w, a, &rows);
    if (n < 0) {
        crm_worker_metrics_error();
        worker_disconnect(w);
        crm_arena_destroy(a);
        return -1;
    }
    /* A row is sent only while its claim holds with time to spare for one send (the
     * channels' 30 s), so that a slow provider never makes a row go twice: what is left when
     * the claim nears its end, or when the worker is stopping, goes back to the queue. */
    struct timespec claimed, now;
    clock_gettime(CLOCK_MONOTONIC, &claimed);
    long lease = w->config->worker_lease_s, spare = lease / 2 < 40 ? lease / 2 : 40;
    bool lost = false; /* the database stopped answering: send nothing more */
    unsigned long cancelled = 0, released = 0;
    for (long i = 0; i < n; i++) {
        worker_row *row = &rows[i];
        crm_send_result r;
        clock_gettime(CLOCK_MONOTONIC, &now);
        bool expiring = now.tv_sec - claimed.tv_sec >= lease - spare;
        if (lost) {
            /* left claimed: another worker sends it once the lease runs out */
        } else if (row->retry) {
            memset(&r, 0, sizeof(r));
            r.status = CRM_SEND_RETRY;
            snprintf(r.error, sizeof(r.error), "%s", row->retry);
            lost = !worker_settle(w, row, &r);
        } else if (row->m.reason) {
            cancelled++;
        } else if (atomic_load(stop) || expiring) {
            PQclear(WORKER_EXEC(w, crm_sql_worker_release, row->tenant_id, row->id, w->id));
            released++;
        } else {
            worker_send(w, row, &r);
            lost = !worker_settle(w, row, &r);
        }
        json_decref(row->context);
    }
    if (lost)
        worker_disconnect(w);
    crm_worker_metrics_count(CRM_WORKER_CANCELLED, cancelled);
    crm_worker_metrics_count(CRM_WORKER_RELEASED, released);
    crm_arena_destroy(a);
    return (int)n;
}

/* Reads the queue's depth and age into the gauges. */
static void
worker_gauges(crm_worker *w)
{
    if (worker_connect(w) != 0)
        return;
    PGresult *res =
        worker_exec(w, &crm_sql_worker_queue, CRM_SQL_NPARAMS(crm_sql_worker_queue, 0), NULL);
    if (!res)
        return;
    crm_worker_metrics_queue(atol(PQgetvalue(res, 0, WORKER_QUEUE_DEPTH)),
                             atof(PQgetvalue(res, 0, WORKER_QUEUE_OLDEST_DUE_S)));
    PQclear(res);
}

/* Sleeps ms milliseconds, in short steps so that a stop is seen quickly. */
static void
worker_sleep(long ms, const atomic_bool *stop)
{
    struct timespec step = {0, 20 * 1000 * 1000};
    for (long slept = 0; slept < ms && !atomic_load(stop); slept += 20)
        nanosleep(&step, NULL);
}

void
crm_worker_run(crm_worker *w, const atomic_bool *stop)
{
    crm_info("worker %s: delivering (batch %s, lease %s s, email to %s, SMS %s%s)", w->id, w->batch,
             w->lease, crm_email_transport_target(w->email),
             crm_sms_transport_logs(w->sms) ? "to " : "through Twilio",
             crm_sms_transport_logs(w->sms) ? crm_sms_transport_log_path(w->sms) : "");
    long backoff = 0;
    struct timespec last = {0, 0}, now;
    while (!atomic_load(stop)) {
        int n = crm_worker_round(w, stop);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (n == 0 || now.tv_sec - last.tv_sec >= 5) {
            worker_gauges(w);
            last = now;
        }
        if (n < 0) {
            backoff = backoff ? (backoff * 2 > 30000 ? 30000 : backoff * 2) : 500;
            worker_sleep(backoff, stop);
        } else {
            backoff = 0;
            if (n == 0)
                worker_sleep(w->config->worker_poll_ms, stop);
        }
    }
    crm_info("worker %s: stopped", w->id);
}

/* ---- making one ------------------------------------------------------------------------------ */

crm_worker *
crm_worker_new(const crm_config_t *c, char *err, size_t errlen)
{
    crm_worker *w = crm_xcalloc(1, sizeof(*w));
    w->config = c;
    if (c->worker_id && *c->worker_id) {
        snprintf(w->id, sizeof(w->id), "%s", c->worker_id);
    } else {
        char host[64] = "localhost";
        gethostname(host, sizeof(host) - 1);
        snprintf(w->id, sizeof(w->id), "%s:%ld", host, (long)getpid());
    }
    snprintf(w->timeout, sizeof(w->timeout), "%ld", c->statement_timeout_ms);
    snprintf(w->batch, sizeof(w->batch), "%ld", c->worker_batch);
    snprintf(w->lease, sizeof(w->lease), "%ld", c->worker_lease_s);
    if (c->public_url) {
        /* as the server's public URL: without the trailing slash the signature check's URL
         * lacks */
        size_t base = strlen(c->public_url);
        while (base > 0 && c->public_url[base - 1] == '/')
            base--;
        size_t len = base + sizeof("/webhooks/twilio/status");
        w->status_callback = crm_xmalloc(len);
        snprintf(w->status_callback, len, "%.*s/webhooks/twilio/status", (int)base, c->public_url);
    }
    /* the platform's sender as replies will name it (outbox.sender is matched against To) */
    if (c->sms_from && crm_sms_sender(c->sms_from, w->sms_from))
        w->config_sms_from = w->sms_from;
    else
        w->config_sms_from = c->sms_from;
    crm_sms_config sc;
    crm_sms_config_from(&sc, c);
    if (!(w->email = crm_email_transport_new(c, err, errlen)) ||
        !(w->sms = crm_sms_transport_new(&sc, err, errlen))) {
        crm_worker_free(w);
        return NULL;
    }
    return w;
}

void
crm_worker_free(crm_worker *w)
{
    if (!w)
        return;
    worker_disconnect(w);
    crm_email_transport_free(w->email);
    crm_sms_transport_free(w->sms);
    free(w->status_callback);
    free(w);
}

/* ---- on a thread, for `crm dev` ------------------------------------------------------------ */

static struct {
    pthread_t thread;
    atomic_bool stop;
    crm_worker *worker;
    bool running;
} crm_worker_thread;

static void *
worker_thread_main(void *arg)
{
    (void)arg;
    crm_worker_run(crm_worker_thread.worker, &crm_worker_thread.stop);
    return NULL;
}

int
crm_worker_thread_start(const crm_config_t *c, char *err, size_t errlen)
{
    crm_worker_thread.worker = crm_worker_new(c, err, errlen);
    if (!crm_worker_thread.worker)
        return -1;
    atomic_store(&crm_worker_thread.stop, false);
    if (pthread_create(&crm_worker_thread.thread, NULL, worker_thread_main, NULL) != 0) {
        snprintf(err, errlen, "cannot start the delivery worker's thread");
        crm_worker_free(crm_worker_thread.worker);
        crm_worker_thread.worker = NULL;
        return -1;
    }
    crm_worker_thread.running = true;
    return 0;
}

void
crm_worker_thread_stop(void)
{
    if (!crm_worker_thread.running)
        return;
    atomic_store(&crm_worker_thread.stop, true);
    pthread_join(crm_worker_thread.thread, NULL);
    crm_worker_free(crm_worker_thread.worker);
    crm_worker_thread.worker = NULL;
    crm_worker_thread.running = false;
}
