/* db.c - PostgreSQL access: a connection per worker thread and the one-round-trip transaction */
#include "core/db/db.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/util/json.h"
#include "core/util/log.h"
#include "db_db_sql.h"

#define CRM_PREPARED_SLOTS        512 /* per connection: open addressing on the statement's address */
#define CRM_RECONNECT_INTERVAL_NS 250000000LL
#define CRM_TX_CONFLICT_ATTEMPTS  3 /* runs of a transaction the database aborted for a conflict */

typedef struct crm_conn {
    PGconn *pg;
    const crm_stmt_t *prepared[CRM_PREPARED_SLOTS];
    int64_t last_attempt_ns; /* last failed connection attempt, for back-off */
} crm_conn_t;

typedef struct crm_tx_stmt {
    const crm_stmt_t *stmt;
    int nparams;
    const char *values[CRM_TX_MAX_PARAMS];
    PGresult *result;
} crm_tx_stmt_t;

struct crm_tx {
    crm_req_t *r;
    const char *role;
    const char *timeout_ms; /* NULL: the configured statement timeout */
    bool quiet;             /* a failure is the caller's to report: no reply */
    size_t count;
    crm_tx_stmt_t stmts[CRM_TX_MAX_STMTS];
    crm_db_error_t error; /* why the last run failed; kind CRM_DB_OK after a commit */
    bool began;           /* the server answered BEGIN: the transaction reached it */
};

static struct {
    const char *url;
    const char *platform_url;
    char statement_timeout[24];
    char export_timeout[24];
    pthread_key_t key;
    pthread_once_t once;
    crm_db_answer_fn answer; /* the request layer's answer to a failed transaction */
} crm_db = {.once = PTHREAD_ONCE_INIT};

static atomic_long crm_db_up;
/* When a thread last connected: a thread backing off after a failed attempt tries again at
 * once when another has connected since (the database is back). */
static _Atomic int64_t crm_db_connected_ns;
static atomic_ullong crm_db_errors;

/* The request's User-Agent for the audit log: its well-formed UTF-8 prefix, at most 256
 * bytes (a header is not text PostgreSQL would accept as it comes). */
static const char *
crm_db_user_agent(crm_req_t *r)
{
    const char *ua = r->conn ? crm_req_header(r, "User-Agent") : NULL;
    if (!ua)
        return "";
    size_t n = strnlen(ua, 257);
    if (n > 256) {
        n = 256;
        while (n > 0 && ((unsigned char)ua[n] & 0xC0) == 0x80)
            n--;
    }
    size_t bad = crm_utf8_check(ua, n);
    if (bad != CRM_UTF8_VALID)
        n = bad;
    return ua[n] == '\0' ? ua : crm_arena_strndup(r->arena, ua, n);
}

#define CRM_DB_PRELUDE_PARAMS crm_sql_tx_prelude_params

/* The prelude's parameters for request r, in the order of tx_prelude (db.sql). */
static void
crm_db_prelude(crm_req_t *r, const char *db_role, const char *timeout,
               const char *out[CRM_DB_PRELUDE_PARAMS])
{
    out[0] = db_role;
    out[1] = r->tenant_id ? r->tenant_id : "";
    out[2] = r->user_id ? r->user_id : "";
    out[3] = r->request_id;
    out[4] = timeout;
    out[5] = r->role ? r->role : "";
    out[6] = r->client_ip;
    out[7] = crm_db_user_agent(r);
    out[8] = !r->conn ? "cli" : strcmp(db_role, CRM_DB_PLATFORM_ROLE) == 0 ? "platform" : "";
}

static int64_t
crm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
crm_conn_drop(crm_conn_t *c)
{
    if (c->pg) {
        PQfinish(c->pg);
        c->pg = NULL;
        atomic_fetch_sub(&crm_db_up, 1);
    }
    memset(c->prepared, 0, sizeof(c->prepared));
}

/* A worker thread's connections: requests' (CRM_DATABASE_URL) and provisioning's
 * (CRM_PLATFORM_DATABASE_URL), so that the login role serving tenants need not be able to
 * become crm_platform. */
typedef enum { CRM_CONN_TENANT, CRM_CONN_PLATFORM, CRM_CONN_KINDS } crm_conn_kind_t;

static void
crm_conn_destroy(void *p)
{
    crm_conn_t *c = p;
    for (int k = 0; k < CRM_CONN_KINDS; k++)
        crm_conn_drop(&c[k]);
    free(c);
}

static void
crm_db_make_key(void)
{
    pthread_key_create(&crm_db.key, crm_conn_destroy);
}

void
crm_db_init(const crm_config_t *config, crm_db_answer_fn answer)
{
    crm_db.answer = answer;
    crm_db.url = config->database_url;
    crm_db.platform_url =
        config->platform_database_url ? config->platform_database_url : config->database_url;
    snprintf(crm_db.statement_timeout, sizeof(crm_db.statement_timeout), "%ld",
             config->statement_timeout_ms);
    snprintf(crm_db.export_timeout, sizeof(crm_db.export_timeout), "%ld",
             config->export_timeout_ms);
    pthread_once(&crm_db.once, crm_db_make_key);
}

long
crm_db_connections_up(void)
{
    return atomic_load(&crm_db_up);
}

unsigned long long
crm_db_errors_total(void)
{
    return atomic_load(&crm_db_errors);
}

static void
crm_db_notice(void *arg, const char *message)
{
    (void)arg;
    size_t n = strlen(message);
    crm_debug("postgres: %.*s", (int)(n && message[n - 1] == '\n' ? n - 1 : n), message);
}

/* Connects; options, when given, are the session's "-c name=value" settings. */
static PGconn *
crm_db_connect(const char *url, const char *options, char *err, size_t errlen)
{
    /* Earlier keywords are defaults: the URL's own values override them. */
    const char *keys[] = {"connect_timeout", "application_name", "options", "dbname", NULL};
    const char *vals[] = {"3", "crm", options ? options : "", url, NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(pg) != CONNECTION_OK) {
        const char *m = pg ? PQerrorMessage(pg) : "out of memory";
        size_t n = strlen(m);
        snprintf(err, errlen, "%.*s", (int)(n && m[n - 1] == '\n' ? n - 1 : n), m);
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, crm_db_notice, NULL);
    return pg;
}

PGconn *
crm_db_connect_plain(const char *url, char *err, size_t errlen)
{
    return crm_db_connect(url, NULL, err, errlen);
}

/* A serving connection: no statement, and no transaction left idle, outlives timeout_ms, even
 * outside a request's transaction (which sets its own bound too), so a stuck thread or a
 * slow reader never holds locks or a snapshot for longer. */
static PGconn *
crm_db_connect_bounded(const char *url, const char *timeout_ms, char *err, size_t errlen)
{
    char options[160];
    snprintf(options, sizeof(options),
             "-c statement_timeout=%s -c idle_in_transaction_session_timeout=%s", timeout_ms,
             timeout_ms);
    return crm_db_connect(url, options, err, errlen);
}

/* The calling thread's connection of this kind, (re)connected if needed; NULL when the
 * database is unreachable. A connection the server closed while idle is noticed here, before
 * use. */
static crm_conn_t *
crm_db_conn(crm_conn_kind_t kind)
{
    crm_conn_t *all = pthread_getspecific(crm_db.key);
    if (!all) {
        all = crm_xcalloc(CRM_CONN_KINDS, sizeof(*all));
        pthread_setspecific(crm_db.key, all);
    }
    crm_conn_t *c = &all[kind];
    if (c->pg && (!PQconsumeInput(c->pg) || PQstatus(c->pg) != CONNECTION_OK)) {
        crm_warn("database connection lost: %s", PQerrorMessage(c->pg));
        crm_conn_drop(c);
    }
    if (c->pg)
        return c;
    int64_t now = crm_now_ns();
    if (c->last_attempt_ns && now - c->last_attempt_ns < CRM_RECONNECT_INTERVAL_NS &&
        atomic_load(&crm_db_connected_ns) < c->last_attempt_ns)
        return NULL;
    char err[512];
    PGconn *pg =
        crm_db_connect_bounded(kind == CRM_CONN_PLATFORM ? crm_db.platform_url : crm_db.url,
                               crm_db.statement_timeout, err, sizeof(err));
    if (!pg || PQenterPipelineMode(pg) != 1) {
        if (pg)
            PQfinish(pg);
        c->last_attempt_ns = now;
        crm_warn("database connection failed: %s", err);
        return NULL;
    }
    c->pg = pg;
    c->last_attempt_ns = 0;
    atomic_store(&crm_db_connected_ns, crm_now_ns());
    atomic_fetch_add(&crm_db_up, 1);
    return c;
}

static size_t
crm_prepared_slot(const crm_conn_t *c, const crm_stmt_t *st)
{
    size_t h = ((uintptr_t)st >> 4) * 0x9E3779B97F4A7C15ULL % CRM_PREPARED_SLOTS;
    while (c->prepared[h] && c->prepared[h] != st)
        h = (h + 1) % CRM_PREPARED_SLOTS;
    return h;
}

crm_tx_t *
crm_tx_new(crm_req_t *r)
{
    crm_tx_t *tx = crm_arena_alloc(r->arena, sizeof(*tx));
    tx->r = r;
    tx->role = CRM_DB_APP_ROLE;
    tx->timeout_ms = NULL;
    tx->quiet = false;
    tx->count = 0;
    tx->error = (crm_db_error_t){CRM_DB_OK, NULL, NULL, NULL, NULL};
    return tx;
}

void
crm_tx_use_platform_role(crm_tx_t *tx)
{
    tx->role = CRM_DB_PLATFORM_ROLE;
}

void
crm_tx_use_role(crm_tx_t *tx, const char *role)
{
    tx->role = role;
}

void
crm_tx_quiet(crm_tx_t *tx)
{
    tx->quiet = true;
}

void
crm_tx_set_timeout(crm_tx_t *tx, const char *ms)
{
    tx->timeout_ms = ms;
}

void
crm_db_sever_thread_connection(void)
{
    crm_conn_t *c = pthread_getspecific(crm_db.key);
    if (c && c[CRM_CONN_TENANT].pg)
        shutdown(PQsocket(c[CRM_CONN_TENANT].pg), SHUT_WR);
}

void
crm_db_close_thread(void)
{
    crm_conn_t *c = pthread_getspecific(crm_db.key);
    if (c) {
        pthread_setspecific(crm_db.key, NULL);
        crm_conn_destroy(c);
    }
}

int
crm_tx_add(crm_tx_t *tx, const crm_stmt_t *stmt, int nparams, const char *const *values)
{
    if (tx->count == CRM_TX_MAX_STMTS || nparams > CRM_TX_MAX_PARAMS) {
        crm_error("transaction of %s: too many statements or parameters", stmt->name);
        abort();
    }
    crm_tx_stmt_t *s = &tx->stmts[tx->count];
    s->stmt = stmt;
    s->nparams = nparams;
    for (int i = 0; i < nparams; i++)
        s->values[i] = values[i];
    s->result = NULL;
    return (int)tx->count++;
}

PGresult *
crm_tx_result(const crm_tx_t *tx, int i)
{
    return tx->stmts[i].result;
}

const crm_db_error_t *
crm_tx_error(const crm_tx_t *tx)
{
    return &tx->error;
}

const char *
crm_tx_sqlstate(const crm_tx_t *tx)
{
    return tx->error.sqlstate;
}

const char *
crm_tx_constraint(const crm_tx_t *tx)
{
    return tx->error.constraint;
}

bool
crm_db_constraint_is(const char *constraint, const char *name)
{
    size_t n = strlen(name);
    if (!constraint || strncmp(constraint, name, n) != 0)
        return false;
    const char *rest = constraint + n;
    if (*rest == '\0')
        return true;
    if (*rest != '_' || !rest[1])
        return false;
    return strspn(rest + 1, "0123456789") == strlen(rest + 1);
}

const char *
crm_tx_error_message(const crm_tx_t *tx)
{
    return tx->error.message ? tx->error.message : "";
}

/* What was sent, in order, so results can be matched to it. */
typedef enum { SENT_PLAIN, SENT_PREPARE, SENT_STMT } crm_sent_kind_t;

typedef struct crm_sent {
    crm_sent_kind_t kind;
    const crm_stmt_t *stmt;
    int index; /* SENT_STMT: position in tx->stmts, -1 for BEGIN/prelude/COMMIT */
} crm_sent_t;

/* Whether this pipeline already prepares st (a statement queued twice in one transaction). */
static bool
crm_sent_prepares(const crm_sent_t *sent, size_t nsent, const crm_stmt_t *st)
{
    for (size_t i = 0; i < nsent; i++)
        if (sent[i].kind == SENT_PREPARE && sent[i].stmt == st)
            return true;
    return false;
}

const char *const *
crm_stmt_params(const crm_stmt_t *s, int n, const char *const *values, const char *tenant,
                const char **out, int *sent)
{
    if (!s->tenant) {
        *sent = n;
        return values;
    }
    for (int i = 0; i < n; i++)
        out[i] = values[i];
    out[n] = tenant && *tenant ? tenant : NULL;
    *sent = n + 1;
    return out;
}

/* Sends statement st with its values, and the tenant when st binds it. */
static int
crm_send_stmt(crm_conn_t *c, crm_sent_t *sent, size_t *nsent, const crm_stmt_t *st, int index,
              int nparams, const char *const *values, const char *tenant)
{
    const char *bound[CRM_TX_MAX_PARAMS + 1];
    values = crm_stmt_params(st, nparams, values, tenant, bound, &nparams);
    size_t slot = crm_prepared_slot(c, st);
    if (!c->prepared[slot] && !crm_sent_prepares(sent, *nsent, st)) {
        if (!PQsendPrepare(c->pg, st->name, st->sql, 0, NULL))
            return -1;
        sent[(*nsent)++] = (crm_sent_t){SENT_PREPARE, st, -1};
    }
    if (!PQsendQueryPrepared(c->pg, st->name, nparams, values, NULL, NULL, 0))
        return -1;
    sent[(*nsent)++] = (crm_sent_t){SENT_STMT, st, index};
    return 0;
}

static int
crm_send_plain(crm_conn_t *c, crm_sent_t *sent, size_t *nsent, const char *sql)
{
    if (!PQsendQueryParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, 0))
        return -1;
    sent[(*nsent)++] = (crm_sent_t){SENT_PLAIN, NULL, -1};
    return 0;
}

size_t
crm_db_message_name(const char *msg, const char *word, const char **name)
{
    size_t n = strlen(word);
    for (const char *p = msg ? strstr(msg, word) : NULL; p; p = strstr(p + 1, word)) {
        if (strncmp(p + n, " \"", 2) != 0 || (p != msg && p[-1] != ' ' && p[-1] != '('))
            continue;
        const char *start = p + n + 2, *end = strchr(start, '"');
        if (!end || end == start)
            return 0;
        *name = start;
        return (size_t)(end - start);
    }
    return 0;
}

/* The name the message msg gives after word, in the arena, or NULL. */
static const char *
crm_db_message_name_dup(crm_arena_t *a, const char *msg, const char *word)
{
    const char *name;
    size_t n = crm_db_message_name(msg, word, &name);
    return n ? crm_arena_strndup(a, name, n) : NULL;
}

/* Keeps what the server said of a failed statement, in the request's arena. An error a Citus
 * worker raised reaches us without the constraint and column fields (the coordinator passes
 * on code, message, detail, hint and context only): an integrity error's message names them,
 * in the server's words (lc_messages C, as crm's clusters run). */
static void
crm_tx_record_error(crm_tx_t *tx, const PGresult *res, const char *code)
{
    crm_arena_t *a = tx->r->arena;
    const char *cons = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
    tx->error.sqlstate = crm_arena_strdup(a, code);
    tx->error.constraint = cons ? crm_arena_strdup(a, cons) : NULL;
    tx->error.message = msg ? crm_arena_strdup(a, msg) : NULL;
    tx->error.column = column ? crm_arena_strdup(a, column) : NULL;
    if (strncmp(code, "23", 2) == 0) { /* integrity_constraint_violation */
        if (!cons)
            tx->error.constraint = crm_db_message_name_dup(a, msg, "constraint");
        if (!column && strcmp(code, "23502") == 0) /* not_null_violation */
            tx->error.column = crm_db_message_name_dup(a, msg, "column");
    }
}

/* Reads the results of everything sent and the sync. Returns 0 when all succeeded, 1 when
 * the server reported an error (recorded in tx), -1 when the connection broke. */
static int
crm_read_results(crm_conn_t *c, crm_tx_t *tx, const crm_sent_t *sent, size_t nsent)
{
    int rc = 0;
    for (size_t i = 0; i < nsent; i++) {
        PGresult *res = PQgetResult(c->pg);
        if (!res)
            return -1;
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_FATAL_ERROR && rc == 0) {
            const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            if (!code) { /* produced by libpq itself: the connection is gone */
                PQclear(res);
                return -1;
            }
            crm_tx_record_error(tx, res, code);
            crm_log(code[0] == '2' ? CRM_LOG_DEBUG : CRM_LOG_WARN, "statement %s failed: %s %s",
                    sent[i].stmt ? sent[i].stmt->name : "(tx)", code,
                    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
            rc = 1;
        }
        if (i == 0 && st == PGRES_COMMAND_OK)
            tx->began = true; /* sent[0] is always BEGIN */
        if (sent[i].kind == SENT_PREPARE && st == PGRES_COMMAND_OK)
            c->prepared[crm_prepared_slot(c, sent[i].stmt)] = sent[i].stmt;
        if (sent[i].kind == SENT_STMT && sent[i].index >= 0 &&
            (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)) {
            tx->stmts[sent[i].index].result = res;
            crm_arena_cleanup(tx->r->arena, (crm_cleanup_fn)PQclear, res);
        } else {
            PQclear(res);
        }
        /* Each command's results end with NULL. */
        while ((res = PQgetResult(c->pg)) != NULL)
            PQclear(res);
    }
    PGresult *sync = PQgetResult(c->pg);
    if (!sync || PQresultStatus(sync) != PGRES_PIPELINE_SYNC) {
        PQclear(sync);
        return -1;
    }
    PQclear(sync);
    return rc;
}

/* After an error inside the explicit transaction the session waits for ROLLBACK. */
static int
crm_rollback(crm_conn_t *c, crm_tx_t *tx)
{
    if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
        return 0;
    crm_sent_t sent[1];
    size_t nsent = 0;
    if (crm_send_plain(c, sent, &nsent, "ROLLBACK") != 0 || !PQpipelineSync(c->pg))
        return -1;
    crm_db_error_t keep_error = tx->error;
    bool keep_began = tx->began;
    int rc = crm_read_results(c, tx, sent, nsent);
    tx->began = keep_began;
    tx->error = keep_error;
    return rc == 0 ? 0 : -1;
}

/* A failed run: the error goes to the request layer's answer, unless the caller reports it. */
static int
crm_tx_fail(crm_tx_t *tx, crm_db_error_kind_t kind)
{
    tx->error.kind = kind;
    if (!tx->quiet && crm_db.answer)
        crm_db.answer(tx->r, &tx->error);
    return -1;
}

/* One attempt: BEGIN, the prelude, the statements and COMMIT in one pipeline, and their
 * results. 0 on commit, 1 when the server reported an error (rolled back), -1 when the
 * connection broke. */
static int
crm_tx_attempt(crm_conn_t *c, crm_tx_t *tx)
{
    const char *prelude[CRM_DB_PRELUDE_PARAMS];
    crm_db_prelude(tx->r, tx->role, tx->timeout_ms ? tx->timeout_ms : crm_db.statement_timeout,
                   prelude);
    tx->began = false;
    tx->error = (crm_db_error_t){CRM_DB_OK, NULL, NULL, NULL, NULL};
    for (size_t i = 0; i < tx->count; i++)
        tx->stmts[i].result = NULL;
    crm_sent_t sent[2 * CRM_TX_MAX_STMTS + 6];
    size_t nsent = 0;
    int rc = crm_send_plain(c, sent, &nsent, "BEGIN");
    if (rc == 0)
        rc = crm_send_stmt(c, sent, &nsent, &crm_sql_tx_prelude, -1, CRM_DB_PRELUDE_PARAMS, prelude,
                           NULL);
    for (size_t i = 0; rc == 0 && i < tx->count; i++) /* prelude[1]: the request's tenant */
        rc = crm_send_stmt(c, sent, &nsent, tx->stmts[i].stmt, (int)i, tx->stmts[i].nparams,
                           tx->stmts[i].values, prelude[1]);
    if (rc == 0)
        rc = crm_send_plain(c, sent, &nsent, "COMMIT");
    if (rc == 0 && !PQpipelineSync(c->pg))
        rc = -1;
    if (rc == 0)
        rc = crm_read_results(c, tx, sent, nsent);
    if (rc == 1 && crm_rollback(c, tx) != 0)
        rc = -1;
    if (rc == 1 && PQstatus(c->pg) != CONNECTION_OK)
        rc = -1;
    return rc;
}

/* Whether the database aborted tx for a conflict with another transaction, which the same
 * transaction may not meet again: a deadlock or a serialisation failure. */
static bool
crm_tx_conflicted(const crm_tx_t *tx)
{
    const char *s = tx->error.sqlstate;
    return s && (strcmp(s, "40P01") == 0 || strcmp(s, "40001") == 0);
}

/* Before re-running a conflicted transaction: 1 to 4 ms times the attempt, so that the
 * transactions that met do not meet again in step. */
static void
crm_tx_pause(int attempt)
{
    long us = (long)attempt * (1000 + (long)randombytes_uniform(3000));
    nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = us * 1000}, NULL);
}

int
crm_tx_run(crm_tx_t *tx)
{
    for (int attempt = 1;; attempt++) {
        crm_conn_t *c = crm_db_conn(strcmp(tx->role, CRM_DB_PLATFORM_ROLE) == 0 ? CRM_CONN_PLATFORM
                                                                                : CRM_CONN_TENANT);
        if (!c) {
            atomic_fetch_add(&crm_db_errors, 1);
            return crm_tx_fail(tx, CRM_DB_UNAVAILABLE);
        }
        int rc = crm_tx_attempt(c, tx);
        if (rc == 0)
            return 0;
        atomic_fetch_add(&crm_db_errors, 1);
        if (rc < 0) {
            crm_warn("database connection broke %s: %s",
                     tx->began ? "during a transaction" : "before a transaction began",
                     PQerrorMessage(c->pg));
            crm_conn_drop(c);
            /* A connection found dead before the server answered BEGIN (the database restarted
             * while it sat idle) ran nothing: the transaction goes once more on a new one.
             * After BEGIN, the outcome is unknown and the client must be told. */
            if (!tx->began && attempt == 1)
                continue;
            return crm_tx_fail(tx, CRM_DB_UNAVAILABLE);
        }
        /* A deadlock victim or a serialisation failure was rolled back whole: nothing it did
         * stands, so it runs again (concurrent bookings of one slot meet this way, each
         * waiting for the other's row of the exclusion constraint) after a short random
         * pause, up to CRM_TX_CONFLICT_ATTEMPTS times in all. */
        if (crm_tx_conflicted(tx) && attempt < CRM_TX_CONFLICT_ATTEMPTS) {
            crm_info("transaction re-run after %s (attempt %d)", tx->error.sqlstate, attempt);
            crm_tx_pause(attempt);
            continue;
        }
        /* A statement the database would not plan (feature_not_supported) may leave a Citus
         * session planning differently from then on: with Citus 13.2, after a refused plan of a
         * subquery, that connection ran every later call of a distributed function on the
         * coordinator. The connection is not used again; the next request opens a new one. */
        if (tx->error.sqlstate && strcmp(tx->error.sqlstate, "0A000") == 0)
            crm_conn_drop(c);
        return crm_tx_fail(tx, CRM_DB_STATEMENT);
    }
}

PGconn *
crm_db_dedicated_open(crm_req_t *r)
{
    char err[512];
    PGconn *pg = crm_db_connect_bounded(crm_db.url, crm_db.export_timeout, err, sizeof(err));
    if (pg) {
        PQclear(PQexec(pg, "BEGIN")); /* not read only: the export is audited */
        const char *prelude[CRM_DB_PRELUDE_PARAMS];
        crm_db_prelude(r, CRM_DB_APP_ROLE, crm_db.export_timeout, prelude);
        PGresult *res = PQexecParams(pg, crm_sql_tx_prelude.sql, CRM_DB_PRELUDE_PARAMS, NULL,
                                     prelude, NULL, NULL, 0);
        bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        PQclear(res);
        if (ok)
            return pg;
        PQfinish(pg);
    }
    atomic_fetch_add(&crm_db_errors, 1);
    crm_db_error_t e = {CRM_DB_UNAVAILABLE, NULL, NULL, NULL, NULL};
    if (crm_db.answer)
        crm_db.answer(r, &e);
    return NULL;
}

void
crm_db_dedicated_close(PGconn *pg, bool ok)
{
    if (!pg)
        return;
    PQclear(PQexec(pg, ok ? "COMMIT" : "ROLLBACK"));
    PQfinish(pg);
}

int
crm_db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params, const char *what,
            char *err, size_t errlen)
{
    PGresult *res =
        params ? PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0) : PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", what, PQresultErrorMessage(res));
        size_t n = strlen(err);
        if (n && err[n - 1] == '\n')
            err[n - 1] = '\0';
    }
    PQclear(res);
    return rc;
}
