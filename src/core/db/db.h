/* db.h - PostgreSQL access: a connection per worker thread and the one-round-trip transaction */
#ifndef CRM_CORE_DB_H
#define CRM_CORE_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "core/util/config.h"
#include "core/http/request.h"

/* A statement, prepared once per connection under its name the first time it is used.
 * Declare them static const next to the code that runs them. */
typedef struct crm_stmt {
    const char *name; /* unique across the program: "core.readyz" */
    const char *sql;
    /* The $n standing for current_tenant_id() in its .sql file, after the caller's own
     * parameters (scripts/embed_sql.py), 0 when it names no tenant: whoever runs it binds the
     * tenant there (crm_stmt_params), so that a distributed database routes the statement to
     * that tenant's shard (docs/sql.md). */
    int tenant;
} crm_stmt_t;

/* The role every request's statements run as (SET ROLE in each transaction). Migrations
 * create it without LOGIN, SUPERUSER or BYPASSRLS, and it owns nothing, so row-level
 * security always applies to it; `crm serve` refuses to start if that is not so. */
#define CRM_DB_APP_ROLE "crm_app"
/* The role of provisioning (platform API, CLI, deny list): policies of its own let it see
 * every tenant's row of the tables it administers. Never used for a tenant's request. */
#define CRM_DB_PLATFORM_ROLE "crm_platform"
/* The only role that may delete audit rows, and only those past their tenant's retention. */
#define CRM_DB_RETENTION_ROLE "crm_audit_retention"

#define CRM_TX_MAX_STMTS  16
#define CRM_TX_MAX_PARAMS 32

typedef struct crm_tx crm_tx_t;

/* Why a transaction failed, for whoever answers the request: the database layer writes no
 * replies. */
typedef enum {
    CRM_DB_OK,
    CRM_DB_UNAVAILABLE, /* no connection, or it broke: the outcome may be unknown */
    CRM_DB_STATEMENT,   /* the server refused a statement: everything was rolled back */
} crm_db_error_kind_t;

typedef struct crm_db_error {
    crm_db_error_kind_t kind;
    const char *sqlstate;   /* CRM_DB_STATEMENT: the five-character code */
    const char *constraint; /* the constraint that refused it, or NULL */
    const char *message;    /* the server's primary message (never shown as is), or NULL */
    const char *column;     /* the column concerned (a NOT NULL violation), or NULL */
} crm_db_error_t;

/* The request layer's answer to a failed transaction: maps the error to a reply, once. */
typedef void (*crm_db_answer_fn)(crm_req_t *r, const crm_db_error_t *e);

/* Call once before serving: connection string, statement timeout, and the answer to failed
 * transactions (crm_reply_db_error). Each worker thread's connection is closed when the
 * thread exits. */
void crm_db_init(const crm_config_t *config, crm_db_answer_fn answer);

/* A transaction for request r: its identity (tenant, user, request id) is set with
 * set_config(..., true) before the statements, and every statement runs as the app role. */
crm_tx_t *crm_tx_new(crm_req_t *r);
/* Runs the transaction as crm_platform instead of crm_app (platform routes, CLI). */
void crm_tx_use_platform_role(crm_tx_t *tx);
/* Runs the transaction as another of the schema's NOLOGIN roles (a literal, such as
 * CRM_DB_RETENTION_ROLE); only the CLI, on the schema owner's connection, may. */
void crm_tx_use_role(crm_tx_t *tx, const char *role);
/* On failure, crm_tx_run leaves the reply to the caller (it still logs): for work beside the
 * answer, such as recording a security event before a 401 or 403. */
void crm_tx_quiet(crm_tx_t *tx);
/* A statement timeout (milliseconds, as text that outlives the run) for a transaction known
 * to need longer than the configured one. */
void crm_tx_set_timeout(crm_tx_t *tx, const char *ms);
/* Closes the calling thread's connection now (the CLI's main thread, which never exits
 * as a worker does). */
void crm_db_close_thread(void);
/* Queues a statement with text parameters (NULL is SQL NULL); returns its index. */
int crm_tx_add(crm_tx_t *tx, const crm_stmt_t *stmt, int nparams, const char *const *values);

/* Statements live in .sql files (docs/sql.md); each generated crm_stmt_t S comes with the
 * constant S_params, its $n count. CRM_TX_ADD queues S with the values listed and fails to
 * compile unless there are S_params of them; CRM_TX_ADD0 is for a statement without any. */
#define CRM_TX_ADD(tx, S, ...)                                                                     \
    crm_tx_add((tx), &(S), CRM_SQL_NPARAMS(S, CRM_NARGS(__VA_ARGS__)),                             \
               (const char *const[]){__VA_ARGS__})
#define CRM_TX_ADD0(tx, S) crm_tx_add((tx), &(S), CRM_SQL_NPARAMS(S, 0), NULL)
/* N, after checking at compile time that it is the $n count of statement S: for an array of
 * values built beforehand, CRM_SQL_NPARAMS(S, CRM_COUNT(values)). */
#define CRM_SQL_NPARAMS(S, N)                                                                      \
    ((int)(0 * sizeof(struct {                                                                     \
               _Static_assert((N) == S##_params, #S " takes another number of parameters");        \
               int ok;                                                                             \
           })) +                                                                                   \
     (int)(N))
#define CRM_COUNT(array) (sizeof(array) / sizeof((array)[0]))
/* The number of its arguments, 1 to 32, as a literal: a constant even when they are not. */
#define CRM_NARGS(...)                                                                             \
    CRM_NARGS_(__VA_ARGS__, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,    \
               15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define CRM_NARGS_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17,     \
                   _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32, N,   \
                   ...)                                                                            \
    N
/* Holds at compile time that column C of a statement is where a shared reader takes it
 * (column P of crm_reply_record's rows, say). */
#define CRM_SQL_COLUMN_AT(C, P) _Static_assert((int)(C) == (int)(P), #C " is not column " #P)
/* Sends BEGIN, the set_configs, the statements and COMMIT in pipeline mode: one round trip.
 * Any error rolls everything back and hands the error to the answer given to crm_db_init
 * (unless quiet); returns -1 then, 0 on commit. A deadlock victim is run again first. */
int crm_tx_run(crm_tx_t *tx);
/* The result of statement i after a successful run (freed with the request's arena). */
PGresult *crm_tx_result(const crm_tx_t *tx, int i);
/* After a failed run: the whole error, and its SQLSTATE and constraint name (NULL when none). */
const crm_db_error_t *crm_tx_error(const crm_tx_t *tx);
const char *crm_tx_sqlstate(const crm_tx_t *tx);
const char *crm_tx_constraint(const crm_tx_t *tx);
/* Whether constraint, as an error reported it, is the constraint name: the same name, or the
 * name of one of its shards on a Citus cluster (name_102008). */
bool crm_db_constraint_is(const char *constraint, const char *name);
/* The name in double quotes right after the word word in msg (constraint "x_fkey"): its
 * length, with *name pointing at it; 0 when msg has none. For the errors of a Citus worker,
 * which reach us without the constraint's field. */
size_t crm_db_message_name(const char *msg, const char *word, const char **name);
/* After a failed run: the database's primary message (for RAISE EXCEPTION of a hook). */
const char *crm_tx_error_message(const crm_tx_t *tx);

/* A connection of its own for a long answer streamed to the client (an export), inside a
 * transaction already carrying the request's identity as crm_tx_run sets it. NULL after
 * handing CRM_DB_UNAVAILABLE to the answer. Finish with crm_db_dedicated_close (commits, or rolls
 * back on failure). */
PGconn *crm_db_dedicated_open(crm_req_t *r);
void crm_db_dedicated_close(PGconn *pg, bool ok);

/* For the test suite (the testkit module): half-closes the calling thread's connection, as a
 * database that went away unnoticed leaves it: it still looks alive until written to. */
void crm_db_sever_thread_connection(void);

/* The parameters to send for statement s given the caller's n values: values itself, or,
 * when s binds the tenant, a copy in out (room for CRM_TX_MAX_PARAMS + 1) ending with tenant
 * (NULL or "": none). *sent is how many. */
const char *const *crm_stmt_params(const crm_stmt_t *s, int n, const char *const *values,
                                   const char *tenant, const char **out, int *sent);

/* Runs sql on conn outside a request (migrations, the syncs of roles and contact types,
 * `crm dev`): with params through PQexecParams, else PQexec (which allows several
 * statements). 0, or -1 with "what: the server's message" in err. */
int crm_db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
                const char *what, char *err, size_t errlen);

/* Gauges and counters for /metrics. */
long crm_db_connections_up(void);
unsigned long long crm_db_errors_total(void);

/* Opens a plain blocking connection for CLI work (migrations, checks); NULL with a message. */
PGconn *crm_db_connect_plain(const char *url, char *err, size_t errlen);

#endif
