/* config.h - run-time configuration: environment variables, overridden by command-line flags */
#ifndef CRM_CORE_CONFIG_H
#define CRM_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/util/cidr.h"

/* Which subcommands read an option (a bit mask). */
enum {
    CRM_CMD_SERVE = 1 << 0,
    CRM_CMD_MIGRATE = 1 << 1,
    CRM_CMD_DEV = 1 << 2,
    CRM_CMD_ADMIN = 1 << 3,       /* tenant and user administration from the command line */
    CRM_CMD_MESSAGING = 1 << 4,   /* `crm messaging`: the channels' settings */
    CRM_CMD_WORKER = 1 << 5,      /* `crm worker`: the delivery worker */
    CRM_CMD_HEALTHCHECK = 1 << 6, /* `crm healthcheck`: asks a running serve or worker */
};

typedef enum { CRM_LOG_DEBUG, CRM_LOG_INFO, CRM_LOG_WARN, CRM_LOG_ERROR } crm_log_level_t;

typedef struct crm_config {
    const char *database_url;    /* CRM_DATABASE_URL: libpq URI or conninfo */
    const char *listen;          /* CRM_LISTEN as given */
    char listen_host[64];        /* parsed numeric address */
    int listen_port;             /* parsed port */
    bool listen_ipv6;            /* the host is an IPv6 address */
    long threads;                /* CRM_THREADS */
    crm_log_level_t log_level;   /* CRM_LOG_LEVEL */
    long max_body_bytes;         /* CRM_MAX_BODY_BYTES */
    long max_import_bytes;       /* CRM_MAX_IMPORT_BYTES: CSV imports */
    long max_connections;        /* CRM_MAX_CONNECTIONS */
    long max_connections_per_ip; /* CRM_MAX_CONNECTIONS_PER_IP: 0 for no limit */
    long read_timeout_s;         /* CRM_READ_TIMEOUT_S: idle time allowed while reading a request */
    long shutdown_timeout_s;     /* CRM_SHUTDOWN_TIMEOUT_S: in-flight deadline at SIGTERM */
    long statement_timeout_ms;   /* CRM_STATEMENT_TIMEOUT_MS */
    long export_timeout_ms;      /* CRM_EXPORT_TIMEOUT_MS: a streamed export's statement */
    const char *docs_dir;        /* CRM_DOCS_DIR: Swagger UI assets */
    const char *web_dir;         /* CRM_WEB_DIR: the built staff web app */
    const char *dev_dir;         /* CRM_DEV_DIR: where `crm dev` keeps its private cluster */
    const char *pg_bindir;       /* CRM_PG_BINDIR: initdb and pg_ctl for `crm dev` */
    const char *migrate_database_url;  /* CRM_MIGRATE_DATABASE_URL: the schema owner's */
    const char *platform_database_url; /* CRM_PLATFORM_DATABASE_URL: crm_platform's, or NULL */
    const char *jwt_keys;              /* CRM_JWT_KEYS: key set file */
    const char *jwt_issuer;            /* CRM_JWT_ISSUER */
    const char *jwt_audience;          /* CRM_JWT_AUDIENCE */
    long access_token_ttl_s;           /* CRM_ACCESS_TOKEN_TTL_S */
    long refresh_token_ttl_s;          /* CRM_REFRESH_TOKEN_TTL_S */
    const char *platform_key;          /* CRM_PLATFORM_KEY: bearer key of /platform routes */
    const char *metrics_token;         /* CRM_METRICS_TOKEN: bearer token of /metrics, if any */
    long denylist_refresh_s;           /* CRM_DENYLIST_REFRESH_S */
    long login_max_failures;           /* CRM_LOGIN_MAX_FAILURES per (tenant, email) and window */
    long login_window_s;               /* CRM_LOGIN_WINDOW_S */
    long login_ip_max;                 /* CRM_LOGIN_IP_MAX attempts per client IP and minute */
    long hash_concurrency;             /* CRM_PASSWORD_HASH_CONCURRENCY */
    const char *public_url;            /* CRM_PUBLIC_URL (checked); NULL: from the listen address */
    const char *trusted_proxies;       /* CRM_TRUSTED_PROXIES as given; NULL: none */
    crm_cidr_list_t proxies;           /* ... parsed */
    long security_events_per_minute;   /* CRM_SECURITY_EVENTS_PER_MINUTE per (tenant, client) */
    const char *twilio_account_sid;    /* CRM_TWILIO_ACCOUNT_SID; NULL: SMS go to sms_log */
    const char *twilio_auth_token;     /* CRM_TWILIO_AUTH_TOKEN */
    const char *twilio_base_url;       /* CRM_TWILIO_BASE_URL */
    const char *sms_from;              /* CRM_SMS_FROM: the platform's default sender, or NULL */
    const char *sms_log;               /* CRM_SMS_LOG: where SMS go without an account */
    const char *smtp_url;     /* CRM_SMTP_URL: smtp(s)://user:pass@host:port; NULL: files */
    const char *smtp_from;    /* CRM_SMTP_FROM: the sender address */
    const char *smtp_ca_file; /* CRM_SMTP_CA_FILE: CAs trusted for SMTP; NULL: system's */
    const char *mail_dir;     /* CRM_MAIL_DIR: where .eml files go without CRM_SMTP_URL */
    const char *worker_id; /* CRM_WORKER_ID: the worker's name on rows it claims; NULL: host:pid */
    long worker_batch;     /* CRM_WORKER_BATCH: rows claimed at once */
    long worker_lease_s;   /* CRM_WORKER_LEASE_S: how long a claim holds */
    long worker_poll_ms;   /* CRM_WORKER_POLL_MS: the wait after a round that found nothing */
} crm_config_t;

typedef const char *(*crm_getenv_fn)(const char *name);

/* Fills c with defaults, then the environment, then the flags in argv (--name value or
 * --name=value) that apply to command. On error returns -1 with a one-line message in err
 * that names the variable or flag at fault. Strings point into argv, the environment or
 * static storage. */
int crm_config_load(crm_config_t *c, unsigned command, int argc, const char *const *argv,
                    crm_getenv_fn getenv_fn, char *err, size_t errlen);

/* Parses "host:port" / "[v6]:port" into c->listen_*; -1 when malformed. */
int crm_config_parse_listen(crm_config_t *c, const char *value);

/* Prints the options of command as a help table (flag, variable, default, meaning). */
void crm_config_print_help(FILE *out, unsigned command);

const char *crm_log_level_name(crm_log_level_t level);

#endif
