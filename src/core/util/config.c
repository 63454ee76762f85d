/* config.c - run-time configuration: one table of options, read from the environment and flags */
#include "core/util/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util/public_url.h"
#include "crm_build.h"

typedef enum { OPT_STRING, OPT_LONG, OPT_LISTEN, OPT_LEVEL, OPT_URL, OPT_CIDRS } crm_opt_kind_t;

typedef struct crm_option {
    const char *env;  /* CRM_THREADS */
    const char *flag; /* --threads */
    crm_opt_kind_t kind;
    size_t offset;
    long min, max;
    unsigned commands;
    const char *help;
} crm_option_t;

#define ALL_CMDS    (CRM_CMD_SERVE | CRM_CMD_MIGRATE | CRM_CMD_DEV | CRM_CMD_WORKER)
#define SERVE_CMDS  (CRM_CMD_SERVE | CRM_CMD_DEV)
#define WORKER_CMDS (CRM_CMD_DEV | CRM_CMD_WORKER) /* the delivery worker: alone or in dev */
/* the channels: serve, dev, messaging, worker */
#define MESSAGING_CMDS (SERVE_CMDS | CRM_CMD_MESSAGING | CRM_CMD_WORKER)
#define OFF(field)     offsetof(crm_config_t, field)

static const crm_option_t crm_options[] = {
    {"CRM_DATABASE_URL", "--database-url", OPT_STRING, OFF(database_url), 0, 0,
     CRM_CMD_SERVE | CRM_CMD_MIGRATE | CRM_CMD_ADMIN | CRM_CMD_WORKER,
     "PostgreSQL connection (libpq URI or conninfo); the worker's login role needs crm_worker "
     "and crm_app"},
    {"CRM_PLATFORM_DATABASE_URL", "--platform-database-url", OPT_STRING, OFF(platform_database_url),
     0, 0, SERVE_CMDS,
     "connection for provisioning (platform API, deny list) as crm_platform; default"
     " CRM_DATABASE_URL"},
    {"CRM_MIGRATE_DATABASE_URL", "--migrate-database-url", OPT_STRING, OFF(migrate_database_url), 0,
     0, CRM_CMD_MIGRATE | CRM_CMD_ADMIN,
     "connection of the schema owner for migrations and administration (default: "
     "CRM_DATABASE_URL)"},
    {"CRM_JWT_KEYS", "--jwt-keys", OPT_STRING, OFF(jwt_keys), 0, 0, SERVE_CMDS | CRM_CMD_ADMIN,
     "JSON key set file signing and verifying access tokens (crm dev makes one in its folder)"},
    {"CRM_JWT_ISSUER", "--jwt-issuer", OPT_STRING, OFF(jwt_issuer), 0, 0, SERVE_CMDS,
     "iss of access tokens"},
    {"CRM_JWT_AUDIENCE", "--jwt-audience", OPT_STRING, OFF(jwt_audience), 0, 0, SERVE_CMDS,
     "aud of access tokens"},
    {"CRM_ACCESS_TOKEN_TTL_S", "--access-token-ttl", OPT_LONG, OFF(access_token_ttl_s), 60, 86400,
     SERVE_CMDS, "lifetime of access tokens, seconds"},
    {"CRM_REFRESH_TOKEN_TTL_S", "--refresh-token-ttl", OPT_LONG, OFF(refresh_token_ttl_s), 300,
     31536000, SERVE_CMDS, "lifetime of refresh tokens, seconds"},
    {"CRM_PLATFORM_KEY", "--platform-key", OPT_STRING, OFF(platform_key), 0, 0, SERVE_CMDS,
     "bearer key of the /platform API (at least 32 characters); unset disables the API"},
    {"CRM_METRICS_TOKEN", "--metrics-token", OPT_STRING, OFF(metrics_token), 0, 0,
     SERVE_CMDS | CRM_CMD_WORKER,
     "bearer token /metrics asks for (at least 32 characters); unset leaves it open"},
    {"CRM_DENYLIST_REFRESH_S", "--denylist-refresh", OPT_LONG, OFF(denylist_refresh_s), 1, 60,
     SERVE_CMDS,
     "seconds between reloads of suspended tenants and disabled users (the bound on how long "
     "their access tokens still work)"},
    {"CRM_LOGIN_MAX_FAILURES", "--login-max-failures", OPT_LONG, OFF(login_max_failures), 1, 1000,
     SERVE_CMDS, "failed logins per tenant and email within the window before 429"},
    {"CRM_LOGIN_WINDOW_S", "--login-window", OPT_LONG, OFF(login_window_s), 1, 86400, SERVE_CMDS,
     "the login throttling window, seconds"},
    {"CRM_LOGIN_IP_MAX", "--login-ip-max", OPT_LONG, OFF(login_ip_max), 1, 1000000, SERVE_CMDS,
     "login attempts per client IP and minute before 429"},
    {"CRM_PASSWORD_HASH_CONCURRENCY", "--password-hash-concurrency", OPT_LONG,
     OFF(hash_concurrency), 1, 256, SERVE_CMDS | CRM_CMD_ADMIN,
     "password hashes computed at once (each takes 19 MiB)"},
    {"CRM_SECURITY_EVENTS_PER_MINUTE", "--security-events-per-minute", OPT_LONG,
     OFF(security_events_per_minute), 1, 1000000, SERVE_CMDS,
     "security events written to a tenant's audit log per client address and minute (the "
     "rest are counted in the server log and /metrics)"},
    {"CRM_PUBLIC_URL", "--public-url", OPT_URL, OFF(public_url), 0, 0, SERVE_CMDS | CRM_CMD_WORKER,
     "base of every absolute URL the server writes (https://crm.example.com); default "
     "http://<listen address>:<port>"},
    {"CRM_TRUSTED_PROXIES", "--trusted-proxies", OPT_CIDRS, OFF(trusted_proxies), 0, 0, SERVE_CMDS,
     "CIDR ranges of proxies whose X-Forwarded-For and X-Forwarded-Proto are believed "
     "(10.0.0.0/8,fd00::/8)"},
    {"CRM_TWILIO_ACCOUNT_SID", "--twilio-account-sid", OPT_STRING, OFF(twilio_account_sid), 0, 0,
     MESSAGING_CMDS, "Twilio account SID (AC...) SMS are sent with; unset: SMS go to CRM_SMS_LOG"},
    {"CRM_TWILIO_AUTH_TOKEN", "--twilio-auth-token", OPT_STRING, OFF(twilio_auth_token), 0, 0,
     MESSAGING_CMDS, "Twilio auth token: the API's password and the key of its webhook signatures"},
    {"CRM_TWILIO_BASE_URL", "--twilio-base-url", OPT_URL, OFF(twilio_base_url), 0, 0,
     MESSAGING_CMDS, "base URL of Twilio's REST API"},
    {"CRM_SMS_FROM", "--sms-from", OPT_STRING, OFF(sms_from), 0, 0, MESSAGING_CMDS,
     "the platform's default SMS sender (E.164 number or alphanumeric sender id)"},
    {"CRM_SMS_LOG", "--sms-log", OPT_STRING, OFF(sms_log), 0, 0, MESSAGING_CMDS,
     "file SMS are appended to, one line each, when CRM_TWILIO_ACCOUNT_SID is unset"},
    {"CRM_LISTEN", "--listen", OPT_LISTEN, OFF(listen), 0, 0,
     SERVE_CMDS | CRM_CMD_WORKER | CRM_CMD_HEALTHCHECK,
     "address and port to serve HTTP on (host:port, [v6]:port)"},
    {"CRM_THREADS", "--threads", OPT_LONG, OFF(threads), 1, 1024, SERVE_CMDS | CRM_CMD_WORKER,
     "worker threads, each with its own database connection"},
    {"CRM_LOG_LEVEL", "--log-level", OPT_LEVEL, OFF(log_level), 0, 0, ALL_CMDS,
     "debug, info, warn or error"},
    {"CRM_MAX_BODY_BYTES", "--max-body-bytes", OPT_LONG, OFF(max_body_bytes), 1024,
     1024L * 1024 * 1024, SERVE_CMDS, "largest request body accepted (413 beyond)"},
    {"CRM_MAX_IMPORT_BYTES", "--max-import-bytes", OPT_LONG, OFF(max_import_bytes), 1024,
     1024L * 1024 * 1024, SERVE_CMDS, "largest CSV import accepted (413 beyond)"},
    {"CRM_MAX_CONNECTIONS", "--max-connections", OPT_LONG, OFF(max_connections), 1, 100000,
     SERVE_CMDS, "concurrent client connections"},
    {"CRM_MAX_CONNECTIONS_PER_IP", "--max-connections-per-ip", OPT_LONG,
     OFF(max_connections_per_ip), 0, 100000, SERVE_CMDS,
     "concurrent client connections from one address (0: no limit, e.g. behind a proxy)"},
    {"CRM_READ_TIMEOUT_S", "--read-timeout", OPT_LONG, OFF(read_timeout_s), 1, 3600, SERVE_CMDS,
     "seconds a connection may stay silent while sending a request, or idle between requests"},
    {"CRM_SHUTDOWN_TIMEOUT_S", "--shutdown-timeout", OPT_LONG, OFF(shutdown_timeout_s), 0, 3600,
     SERVE_CMDS | CRM_CMD_WORKER, "seconds in-flight requests get to finish after SIGTERM/SIGINT"},
    {"CRM_STATEMENT_TIMEOUT_MS", "--statement-timeout", OPT_LONG, OFF(statement_timeout_ms), 1,
     3600000, SERVE_CMDS | CRM_CMD_WORKER,
     "PostgreSQL statement_timeout for request statements, milliseconds"},
    {"CRM_EXPORT_TIMEOUT_MS", "--export-timeout", OPT_LONG, OFF(export_timeout_ms), 1000, 86400000,
     SERVE_CMDS,
     "PostgreSQL statement_timeout of a streamed export (a slow reader included), milliseconds"},
    {"CRM_DOCS_DIR", "--docs-dir", OPT_STRING, OFF(docs_dir), 0, 0, SERVE_CMDS,
     "folder with the Swagger UI assets (npm swagger-ui-dist) served under /docs"},
    {"CRM_WEB_DIR", "--web-dir", OPT_STRING, OFF(web_dir), 0, 0, SERVE_CMDS,
     "folder of the built staff web app (index.html, assets/) served at /"},
    {"CRM_DEV_DIR", "--dev-dir", OPT_STRING, OFF(dev_dir), 0, 0, CRM_CMD_DEV,
     "folder of the private PostgreSQL cluster of `crm dev`"},
    {"CRM_PG_BINDIR", "--pg-bindir", OPT_STRING, OFF(pg_bindir), 0, 0, CRM_CMD_DEV,
     "folder of PostgreSQL's initdb and pg_ctl, for `crm dev`"},
    {"CRM_SMTP_URL", "--smtp-url", OPT_STRING, OFF(smtp_url), 0, 0, MESSAGING_CMDS,
     "SMTP relay (smtp://user:pass@host:587 with STARTTLS required unless the host is local, "
     "or smtps://host:465); unset: email is written as .eml files into CRM_MAIL_DIR"},
    {"CRM_SMTP_FROM", "--smtp-from", OPT_STRING, OFF(smtp_from), 0, 0, MESSAGING_CMDS,
     "sender address of every email (envelope and From); required with CRM_SMTP_URL"},
    {"CRM_SMTP_CA_FILE", "--smtp-ca-file", OPT_STRING, OFF(smtp_ca_file), 0, 0, MESSAGING_CMDS,
     "PEM file of the CAs trusted for the SMTP relay's certificate (default: the system's)"},
    {"CRM_MAIL_DIR", "--mail-dir", OPT_STRING, OFF(mail_dir), 0, 0, MESSAGING_CMDS,
     "folder .eml files are written to when CRM_SMTP_URL is unset (created if missing)"},
    {"CRM_WORKER_ID", "--worker-id", OPT_STRING, OFF(worker_id), 0, 0, WORKER_CMDS,
     "the delivery worker's name on the rows it claims (default host:pid)"},
    {"CRM_WORKER_BATCH", "--worker-batch", OPT_LONG, OFF(worker_batch), 1, 1000, WORKER_CMDS,
     "outbox rows a worker claims at once (at most these are sent twice after a crash)"},
    {"CRM_WORKER_LEASE_S", "--worker-lease", OPT_LONG, OFF(worker_lease_s), 10, 86400, WORKER_CMDS,
     "seconds a claim holds: a row whose worker died is sent by another after this"},
    {"CRM_WORKER_POLL_MS", "--worker-poll", OPT_LONG, OFF(worker_poll_ms), 10, 600000, WORKER_CMDS,
     "milliseconds the worker waits after finding nothing due"},
};

static const char *const crm_level_names[] = {"debug", "info", "warn", "error"};

const char *
crm_log_level_name(crm_log_level_t level)
{
    return crm_level_names[level];
}

static void
crm_config_defaults(crm_config_t *c)
{
    memset(c, 0, sizeof(*c));
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    c->database_url = NULL;
    c->threads = 4 * (cores > 0 ? cores : 1);
    if (c->threads > 1024)
        c->threads = 1024;
    c->log_level = CRM_LOG_INFO;
    c->max_body_bytes = 1024L * 1024;
    c->max_import_bytes = 16L * 1024 * 1024;
    c->max_connections = 1024;
    c->read_timeout_s = 30;
    c->shutdown_timeout_s = 10;
    c->statement_timeout_ms = 5000;
    c->export_timeout_ms = 600000;
    c->max_connections_per_ip = 64;
    c->docs_dir = CRM_DEFAULT_DOCS_DIR;
    c->web_dir = CRM_DEFAULT_WEB_DIR;
    c->dev_dir = "var";
    c->pg_bindir = "/usr/lib/postgresql/15/bin";
    c->jwt_issuer = "crm";
    c->jwt_audience = "crm-api";
    c->access_token_ttl_s = 900;
    c->refresh_token_ttl_s = 30L * 86400;
    c->denylist_refresh_s = 5;
    c->login_max_failures = 5;
    c->login_window_s = 900;
    c->login_ip_max = 60;
    c->hash_concurrency = cores > 0 ? cores : 1;
    c->security_events_per_minute = 60;
    c->twilio_base_url = "https://api.twilio.com";
    c->sms_log = "var/sms.log";
    c->mail_dir = "var/mail";
    c->worker_batch = 20;
    c->worker_lease_s = 300;
    c->worker_poll_ms = 1000;
    crm_config_parse_listen(c, "127.0.0.1:8080");
}

int
crm_config_parse_listen(crm_config_t *c, const char *value)
{
    const char *colon;
    const char *host = value;
    size_t host_len;
    bool v6 = false;
    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        if (!close || close[1] != ':')
            return -1;
        host = value + 1;
        host_len = (size_t)(close - host);
        colon = close + 1;
        v6 = true;
    } else {
        colon = strrchr(value, ':');
        if (!colon)
            return -1;
        host_len = (size_t)(colon - value);
    }
    if (host_len == 0 || host_len >= sizeof(c->listen_host))
        return -1;
    char hostbuf[sizeof(c->listen_host)];
    memcpy(hostbuf, host, host_len);
    hostbuf[host_len] = '\0';
    unsigned char addr[16];
    if (strcmp(hostbuf, "localhost") == 0)
        strcpy(hostbuf, "127.0.0.1");
    if (inet_pton(v6 ? AF_INET6 : AF_INET, hostbuf, addr) != 1)
        return -1;
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
        return -1;
    strcpy(c->listen_host, hostbuf);
    c->listen_port = (int)port;
    c->listen_ipv6 = v6;
    c->listen = value;
    return 0;
}

static int
crm_option_set(crm_config_t *c, const crm_option_t *o, const char *source, const char *value,
               char *err, size_t errlen)
{
    void *field = (char *)c + o->offset;
    switch (o->kind) {
    case OPT_STRING:
        if (!*value) {
            snprintf(err, errlen, "%s: must not be empty", source);
            return -1;
        }
        *(const char **)field = value;
        return 0;
    case OPT_LONG: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < o->min || v > o->max) {
            snprintf(err, errlen, "%s: expected an integer from %ld to %ld, got '%s'", source,
                     o->min, o->max, value);
            return -1;
        }
        *(long *)field = v;
        return 0;
    }
    case OPT_LISTEN:
        if (crm_config_parse_listen(c, value) != 0) {
            snprintf(err, errlen,
                     "%s: expected host:port with a numeric address (127.0.0.1:8080, [::1]:8080), "
                     "got '%s'",
                     source, value);
            return -1;
        }
        return 0;
    case OPT_LEVEL:
        for (size_t i = 0; i < sizeof(crm_level_names) / sizeof(crm_level_names[0]); i++) {
            if (strcmp(value, crm_level_names[i]) == 0) {
                *(crm_log_level_t *)field = (crm_log_level_t)i;
                return 0;
            }
        }
        snprintf(err, errlen, "%s: expected debug, info, warn or error, got '%s'", source, value);
        return -1;
    case OPT_URL: {
        char why[160];
        if (crm_public_url_check(value, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "%s: %s, got '%s'", source, why, value);
            return -1;
        }
        *(const char **)field = value;
        return 0;
    }
    case OPT_CIDRS: {
        char why[160];
        if (crm_cidr_list_parse(value, &c->proxies, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "%s: %s", source, why);
            return -1;
        }
        *(const char **)field = value;
        return 0;
    }
    }
    return -1;
}

static const crm_option_t *
crm_option_by_flag(const char *flag, size_t len, unsigned command)
{
    for (size_t i = 0; i < sizeof(crm_options) / sizeof(crm_options[0]); i++) {
        const crm_option_t *o = &crm_options[i];
        if ((o->commands & command) && strlen(o->flag) == len && memcmp(o->flag, flag, len) == 0)
            return o;
    }
    return NULL;
}

/* Values read from files (CRM_X_FILE), kept for the life of the process: the configuration
 * points at them. */
#define CRM_CONFIG_MAX_FILE_BYTES (64 * 1024)
static char *crm_config_file_values[sizeof(crm_options) / sizeof(crm_options[0])];

/* Option o's value from the environment: CRM_X itself or, for secrets given the way Docker and
 * ECS give them, the contents of the file CRM_X_FILE names, without its trailing line break.
 * 0 with *out NULL when neither is set; -1 with a message naming the variable when both are,
 * or the file cannot be read. */
static int
crm_option_env(size_t i, crm_getenv_fn getenv_fn, const char **out, char *err, size_t errlen)
{
    const crm_option_t *o = &crm_options[i];
    char name[64];
    snprintf(name, sizeof(name), "%s_FILE", o->env);
    const char *v = getenv_fn(o->env), *path = getenv_fn(name);
    *out = v;
    if (!path)
        return 0;
    if (v) {
        snprintf(err, errlen, "%s and %s: set one of them, not both", o->env, name);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read %s: %s", name, path, strerror(errno));
        return -1;
    }
    char *text = malloc(CRM_CONFIG_MAX_FILE_BYTES + 1);
    size_t n = text ? fread(text, 1, CRM_CONFIG_MAX_FILE_BYTES + 1, f) : 0;
    bool failed = !text || ferror(f);
    fclose(f);
    if (failed || n > CRM_CONFIG_MAX_FILE_BYTES || memchr(text, '\0', n)) {
        snprintf(err, errlen, "%s: %s is not a text of at most %d bytes", name, path,
                 CRM_CONFIG_MAX_FILE_BYTES);
        free(text);
        return -1;
    }
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    text[n] = '\0';
    free(crm_config_file_values[i]);
    crm_config_file_values[i] = text;
    *out = text;
    return 0;
}

int
crm_config_load(crm_config_t *c, unsigned command, int argc, const char *const *argv,
                crm_getenv_fn getenv_fn, char *err, size_t errlen)
{
    crm_config_defaults(c);
    for (size_t i = 0; i < sizeof(crm_options) / sizeof(crm_options[0]); i++) {
        const crm_option_t *o = &crm_options[i];
        const char *v;
        if (!(o->commands & command))
            continue;
        if (crm_option_env(i, getenv_fn, &v, err, errlen) != 0)
            return -1;
        if (v && crm_option_set(c, o, o->env, v, err, errlen) != 0)
            return -1;
    }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        const crm_option_t *o =
            strncmp(arg, "--", 2) == 0 ? crm_option_by_flag(arg, len, command) : NULL;
        if (!o) {
            snprintf(err, errlen, "unknown argument '%s' (see --help)", arg);
            return -1;
        }
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!value) {
            snprintf(err, errlen, "%s: needs a value", o->flag);
            return -1;
        }
        if (crm_option_set(c, o, o->flag, value, err, errlen) != 0)
            return -1;
    }
    if ((command & (CRM_CMD_SERVE | CRM_CMD_MIGRATE | CRM_CMD_ADMIN)) && !c->database_url &&
        !((command & (CRM_CMD_MIGRATE | CRM_CMD_ADMIN)) && c->migrate_database_url)) {
        snprintf(err, errlen, "CRM_DATABASE_URL: not set (or pass --database-url)");
        return -1;
    }
    if (!c->migrate_database_url)
        c->migrate_database_url = c->database_url;
    if (c->platform_key && strlen(c->platform_key) < 32) {
        snprintf(err, errlen, "CRM_PLATFORM_KEY: must be at least 32 characters");
        return -1;
    }
    if (c->metrics_token && strlen(c->metrics_token) < 32) {
        snprintf(err, errlen, "CRM_METRICS_TOKEN: must be at least 32 characters");
        return -1;
    }
    if ((command & CRM_CMD_SERVE) && !c->jwt_keys) {
        snprintf(err, errlen, "CRM_JWT_KEYS: not set (make one with `crm keys generate`)");
        return -1;
    }
    return 0;
}

void
crm_config_print_help(FILE *out, unsigned command)
{
    crm_config_t d;
    crm_config_defaults(&d);
    fprintf(out, "Options (flag overrides the environment variable):\n");
    for (size_t i = 0; i < sizeof(crm_options) / sizeof(crm_options[0]); i++) {
        const crm_option_t *o = &crm_options[i];
        if (!(o->commands & command))
            continue;
        char def[128] = "";
        const void *field = (const char *)&d + o->offset;
        switch (o->kind) {
        case OPT_URL:
            snprintf(def, sizeof(def), "%s",
                     *(const char *const *)field ? *(const char *const *)field
                                                 : "(http://<listen address>:<port>)");
            break;
        case OPT_CIDRS:
        case OPT_STRING:
            snprintf(def, sizeof(def), "%s",
                     *(const char *const *)field ? *(const char *const *)field : "(none)");
            break;
        case OPT_LONG:
            snprintf(def, sizeof(def), "%ld", *(const long *)field);
            break;
        case OPT_LISTEN:
            snprintf(def, sizeof(def), "%s", d.listen);
            break;
        case OPT_LEVEL:
            snprintf(def, sizeof(def), "%s", crm_log_level_name(d.log_level));
            break;
        }
        fprintf(out, "  %-22s %-26s %s\n  %-22s %-26s default: %s\n", o->flag, o->env, o->help, "",
                "", def);
    }
}
