/* dev.c - `crm dev`: a private PostgreSQL cluster, migrations, demo data, then serve.
 * initdb refuses to run as root, so as root the cluster's programs run as the `postgres`
 * system user and the cluster's folders belong to it. */
#include "cli/dev.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/db/db.h"
#include "core/auth/jws.h"
#include "core/auth/password.h"
#include "core/util/log.h"
#include "core/db/migrate.h"
#include "core/module.h"
#include "core/http/server.h"
#include "core/messaging/worker.h"
#include "cli_dev_sql.h"

extern const char crm_core_asset_demo[];
extern const char crm_core_asset_demo_records[];

typedef struct crm_dev {
    char dir[PATH_MAX];          /* absolute CRM_DEV_DIR */
    char pgdata[PATH_MAX + 16];  /* dir/pg */
    char sockdir[PATH_MAX + 16]; /* dir/run */
    char logfile[PATH_MAX + 16]; /* dir/postgres.log */
    const char *bindir;
    int port;
    bool as_postgres; /* we are root: run the cluster as the postgres user */
    uid_t uid;
    gid_t gid;
} crm_dev_t;

/* Runs bindir/argv[0] (as postgres when root), output to the log file; returns its status. */
static int
crm_dev_exec(const crm_dev_t *d, const char *const argv[])
{
    char prog[2 * PATH_MAX];
    snprintf(prog, sizeof(prog), "%s/%s", d->bindir, argv[0]);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int log = open(d->logfile, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (log >= 0) {
            dup2(log, STDOUT_FILENO);
            dup2(log, STDERR_FILENO);
            close(log);
        }
        if (d->as_postgres &&
            (setgroups(0, NULL) != 0 || setgid(d->gid) != 0 || setuid(d->uid) != 0))
            _exit(126);
        if (chdir(d->dir) != 0)
            _exit(126);
        execv(prog, (char *const *)argv); /* execv does not change its arguments */
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
crm_dev_mkdir(const crm_dev_t *d, const char *path, mode_t mode)
{
    if (mkdir(path, mode) != 0 && errno != EEXIST)
        return -1;
    if (d->as_postgres && chown(path, d->uid, d->gid) != 0)
        return -1;
    return 0;
}

static int
crm_dev_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* The port of a running cluster, from line 4 of postmaster.pid; -1 when not running. */
static int
crm_dev_running_port(const crm_dev_t *d)
{
    const char *argv[] = {"pg_ctl", "status", "-D", d->pgdata, NULL};
    if (crm_dev_exec(d, argv) != 0)
        return -1;
    char path[PATH_MAX + 48], line[256];
    snprintf(path, sizeof(path), "%s/postmaster.pid", d->pgdata);
    FILE *f = fopen(path, "r");
    int port = -1;
    for (int i = 0; f && i < 4 && fgets(line, sizeof(line), f); i++)
        if (i == 3)
            port = atoi(line);
    if (f)
        fclose(f);
    return port;
}

static int
crm_dev_start_cluster(crm_dev_t *d, bool *started)
{
    *started = false;
    if (crm_dev_mkdir(d, d->dir, 0755) != 0 || crm_dev_mkdir(d, d->sockdir, 0700) != 0) {
        crm_error("CRM_DEV_DIR: cannot create %s: %s", d->dir, strerror(errno));
        return -1;
    }
    int log = open(d->logfile, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (log < 0 || (d->as_postgres && fchown(log, d->uid, d->gid) != 0)) {
        crm_error("cannot write %s: %s", d->logfile, strerror(errno));
        if (log >= 0)
            close(log);
        return -1;
    }
    close(log);
    char version[PATH_MAX + 32];
    snprintf(version, sizeof(version), "%s/PG_VERSION", d->pgdata);
    if (access(version, F_OK) != 0) {
        crm_info("creating a private PostgreSQL cluster in %s", d->pgdata);
        if (crm_dev_mkdir(d, d->pgdata, 0700) != 0) {
            crm_error("cannot create %s: %s", d->pgdata, strerror(errno));
            return -1;
        }
        const char *argv[] = {"initdb",
                              "-D",
                              d->pgdata,
                              "-U",
                              "postgres",
                              "--auth-local=trust",
                              "--auth-host=scram-sha-256",
                              "-E",
                              "UTF8",
                              "--locale=C.UTF-8",
                              NULL};
        if (crm_dev_exec(d, argv) != 0) {
            crm_error("initdb failed: see %s", d->logfile);
            return -1;
        }
    }
    d->port = crm_dev_running_port(d);
    if (d->port > 0) {
        crm_info("reusing the PostgreSQL cluster running on port %d", d->port);
        return 0;
    }
    d->port = crm_dev_free_port();
    char opts[PATH_MAX + 160];
    snprintf(opts, sizeof(opts), "-p %d -k %s -c listen_addresses=127.0.0.1", d->port, d->sockdir);
    const char *argv[] = {"pg_ctl",  "start", "-w",       "-t", "60", "-D",
                          d->pgdata, "-l",    d->logfile, "-o", opts, NULL};
    if (crm_dev_exec(d, argv) != 0) {
        crm_error("PostgreSQL did not start: see %s", d->logfile);
        return -1;
    }
    *started = true;
    crm_info("started PostgreSQL on 127.0.0.1:%d and %s", d->port, d->sockdir);
    return 0;
}

static void
crm_dev_stop_cluster(const crm_dev_t *d)
{
    const char *argv[] = {"pg_ctl", "stop", "-w", "-m", "fast", "-D", d->pgdata, NULL};
    if (crm_dev_exec(d, argv) == 0)
        crm_info("stopped PostgreSQL");
    else
        crm_error("pg_ctl stop failed: see %s", d->logfile);
}

static int
crm_dev_sql(PGconn *pg, const char *sql, const char *what)
{
    char err[1024];
    int rc = crm_db_exec(pg, sql, 0, NULL, what, err, sizeof(err));
    if (rc != 0)
        crm_error("%s", err);
    return rc;
}

/* Whether statement stmt (a lookup without parameters) finds a row. */
static bool
crm_dev_found(PGconn *pg, const crm_stmt_t *stmt)
{
    PGresult *res = PQexec(pg, stmt->sql);
    bool found = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    PQclear(res);
    return found;
}

/* The owner role and database of the application, created once as the superuser. */
static int
crm_dev_bootstrap(const crm_dev_t *d)
{
    char url[PATH_MAX + 96], err[512];
    snprintf(url, sizeof(url), "host=%s port=%d user=postgres dbname=postgres", d->sockdir,
             d->port);
    PGconn *pg = crm_db_connect_plain(url, err, sizeof(err));
    if (!pg) {
        crm_error("cannot connect to the private cluster: %s", err);
        return -1;
    }
    int rc = 0;
    if (!crm_dev_found(pg, &crm_sql_dev_role_exists))
        rc = crm_dev_sql(pg, crm_sql_dev_role_create.sql, "creating the role crm");
    if (rc == 0)
        rc = crm_dev_sql(pg, crm_sql_dev_role_grants.sql, "granting the role crm");
    if (rc == 0 && !crm_dev_found(pg, &crm_sql_dev_database_exists))
        rc = crm_dev_sql(pg, crm_sql_dev_database_create.sql, "creating the database crm");
    PQfinish(pg);
    return rc;
}

/* The demo tenant's users, one per core role; all share the demo password (the modules'
 * seeds add theirs with the admin's hash). */
#define CRM_DEV_PASSWORD "demo-password-2026"
static const char *const crm_dev_users[][3] = {
    {"admin@demo.clinic", "Avery Admin", "admin"},
    {"sales@demo.clinic", "Sam Sales", "sales"},
    {"viewer@demo.clinic", "Val Viewer", "viewer"},
    {"auditor@demo.clinic", "Ari Auditor", "auditor"},
};

static int
crm_dev_seed_users(PGconn *pg)
{
    char hash[CRM_PASSWORD_HASH_MAX];
    bool hashed = false;
    for (size_t i = 0; i < sizeof(crm_dev_users) / sizeof(crm_dev_users[0]); i++) {
        if (!hashed) {
            crm_password_init(1);
            hashed = crm_password_hash(CRM_DEV_PASSWORD, hash) == CRM_PW_OK;
            crm_password_free();
            if (!hashed)
                return -1;
        }
        const char *params[] = {crm_dev_users[i][0], hash, crm_dev_users[i][1],
                                crm_dev_users[i][2]};
        char err[1024];
        if (crm_db_exec(pg, crm_sql_dev_user_seed.sql,
                        CRM_SQL_NPARAMS(crm_sql_dev_user_seed, CRM_COUNT(params)), params,
                        "seeding demo users", err, sizeof(err)) != 0) {
            crm_error("%s", err);
            return -1;
        }
    }
    return 0;
}

/* A development key set in the dev folder, made once, when CRM_JWT_KEYS names none. */
static int
crm_dev_keys(const crm_dev_t *d, crm_config_t *c)
{
    static char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/jwt-keys.json", d->dir);
    c->jwt_keys = path;
    if (access(path, F_OK) == 0)
        return 0;
    char err[256];
    char *entry = crm_jws_generate_entry("HS256", "dev-1", d->dir, err, sizeof(err));
    int fd = entry ? open(path, O_WRONLY | O_CREAT | O_EXCL, 0600) : -1;
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        crm_error("cannot write the development key set %s: %s", path,
                  entry ? strerror(errno) : err);
        free(entry);
        return -1;
    }
    fprintf(f, "{\"keys\": [%s]}\n", entry);
    fclose(f);
    free(entry);
    crm_info("made a development key set in %s", path);
    return 0;
}

static int
crm_dev_migrate_and_seed(const char *url)
{
    char err[1024];
    PGconn *pg = crm_db_connect_plain(url, err, sizeof(err));
    if (!pg) {
        crm_error("cannot connect as crm: %s", err);
        return -1;
    }
    int rc = crm_migrate_run(pg, stdout, err, sizeof(err));
    fflush(stdout);
    if (rc != 0)
        crm_error("migration failed: %s", err);
    if (rc == 0 && (rc = crm_dev_sql(pg, "BEGIN", "seeding")) == 0) {
        rc = crm_dev_sql(pg, crm_core_asset_demo, "seeding demo data");
        if (rc == 0)
            rc = crm_dev_seed_users(pg);
        if (rc == 0)
            rc = crm_dev_sql(pg, crm_core_asset_demo_records, "seeding demo records");
        for (const crm_module_t *const *m = crm_modules; rc == 0 && *m; m++)
            if ((*m)->demo_seed)
                rc = crm_dev_sql(pg, (*m)->demo_seed, (*m)->name);
        int end = crm_dev_sql(pg, rc == 0 ? "COMMIT" : "ROLLBACK", "seeding");
        rc = rc == 0 ? end : rc;
    }
    PQfinish(pg);
    return rc;
}

static const crm_config_t *crm_dev_config;

static void
crm_dev_banner(int port)
{
    const crm_config_t *c = crm_dev_config;
    char host[80];
    snprintf(host, sizeof(host), c->listen_ipv6 ? "[%s]" : "%s", c->listen_host);
    printf(
        "\n  CRM is running: http://%s:%d/ (the web app: sign in as below)\n"
        "  API docs:       http://%s:%d/docs\n"
        "  Health:         http://%s:%d/readyz\n"
        "  Demo tenant:    slug 'demo' (Demo Clinic); users admin@, dr.patel@, reception@,\n"
        "                  sales@, viewer@, auditor@demo.clinic, password " CRM_DEV_PASSWORD "\n"
        "  Sign in:        curl -s -H 'Content-Type: application/json' -d '{\"tenant\":\"demo\",\n"
        "                  \"email\":\"admin@demo.clinic\",\"password\":\"" CRM_DEV_PASSWORD
        "\"}'\n"
        "                  http://%s:%d/api/v1/auth/login\n"
        "  Database:       %s\n"
        "  Messages:       email as .eml files in %s, SMS appended to %s (the delivery\n"
        "                  worker runs in this process)\n"
        "  Stop with Ctrl-C (stops the server and the private PostgreSQL).\n\n",
        host, port, host, port, host, port, host, port, c->database_url,
        c->smtp_url ? "(CRM_SMTP_URL's relay)" : c->mail_dir,
        c->twilio_account_sid ? "(Twilio)" : c->sms_log);
    fflush(stdout);
    /* signals are blocked by now: the worker's thread inherits that */
    char err[512];
    if (crm_worker_thread_start(c, err, sizeof(err)) != 0)
        crm_error("the delivery worker did not start: %s", err);
}

int
crm_dev_run(crm_config_t *c)
{
    crm_dev_t d = {.bindir = c->pg_bindir};
    if (mkdir(c->dev_dir, 0755) != 0 && errno != EEXIST) {
        crm_error("CRM_DEV_DIR: cannot create %s: %s", c->dev_dir, strerror(errno));
        return 1;
    }
    if (!realpath(c->dev_dir, d.dir)) {
        crm_error("CRM_DEV_DIR: %s: %s", c->dev_dir, strerror(errno));
        return 1;
    }
    snprintf(d.pgdata, sizeof(d.pgdata), "%s/pg", d.dir);
    snprintf(d.sockdir, sizeof(d.sockdir), "%s/run", d.dir);
    snprintf(d.logfile, sizeof(d.logfile), "%s/postgres.log", d.dir);
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("postgres");
        if (!pw) {
            crm_error("running as root needs the postgres system user (apt-get install "
                      "postgresql)");
            return 1;
        }
        d.as_postgres = true;
        d.uid = pw->pw_uid;
        d.gid = pw->pw_gid;
    }
    bool started;
    if (!c->jwt_keys && crm_dev_keys(&d, c) != 0)
        return 1;
    if (crm_dev_start_cluster(&d, &started) != 0)
        return 1;
    static char url[PATH_MAX + 96];
    snprintf(url, sizeof(url), "host=%s port=%d user=crm dbname=crm", d.sockdir, d.port);
    c->database_url = url;
    int status = 1;
    if (crm_dev_bootstrap(&d) == 0 && crm_dev_migrate_and_seed(url) == 0) {
        crm_dev_config = c;
        status = crm_server_run(c, crm_dev_banner);
        crm_worker_thread_stop();
    }
    if (started)
        crm_dev_stop_cluster(&d);
    return status;
}
