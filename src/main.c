/* main.c - the crm command line: serve, migrate, statements, dev, openapi, version, help */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/config.h"
#include "core/db/db.h"
#include "cli/dev.h"
#include "core/util/log.h"
#include "core/db/migrate.h"
#include "core/db/statements.h"
#include "core/http/openapi.h"
#include "core/http/server.h"
#include "cli/admin.h"
#include "cli/messaging.h"
#include "cli/healthcheck.h"
#include "cli/worker.h"
#include "crm_build.h"

typedef struct crm_command {
    const char *name;
    unsigned config; /* CRM_CMD_* whose options it takes; 0 for none */
    int (*run)(crm_config_t *c);
    const char *summary;
    const char *usage;
    int (*run_args)(int argc, char **argv); /* parses its own arguments instead */
} crm_command_t;

static int
crm_cmd_serve(crm_config_t *c)
{
    return crm_server_run(c, NULL);
}

/* The schema owner's connection for command cmd; NULL after saying why. */
static PGconn *
crm_owner_connect(const char *cmd, const crm_config_t *c)
{
    char err[1024];
    PGconn *pg = crm_db_connect_plain(c->migrate_database_url, err, sizeof(err));
    if (!pg)
        fprintf(stderr, "crm %s: CRM_MIGRATE_DATABASE_URL/CRM_DATABASE_URL: cannot connect: %s\n",
                cmd, err);
    return pg;
}

static int
crm_cmd_migrate(crm_config_t *c)
{
    PGconn *pg = crm_owner_connect("migrate", c);
    if (!pg)
        return 1;
    char err[1024];
    int rc = crm_migrate_run(pg, stdout, err, sizeof(err));
    PQfinish(pg);
    if (rc != 0) {
        fprintf(stderr, "crm migrate: %s\n", err);
        return 1;
    }
    return 0;
}

static int
crm_cmd_statements(crm_config_t *c)
{
    PGconn *pg = crm_owner_connect("statements", c);
    if (!pg)
        return 1;
    int faults = crm_sql_check(pg, crm_sql_statements, stdout);
    PQfinish(pg);
    size_t n = 0;
    while (crm_sql_statements[n].stmt)
        n++;
    if (faults) {
        fprintf(stderr, "crm statements: %d disagreements with the database\n", faults);
        return 1;
    }
    printf("%zu statements agree with the database\n", n);
    return 0;
}

static int
crm_cmd_dev(crm_config_t *c)
{
    return crm_dev_run(c);
}

static int
crm_cmd_openapi(crm_config_t *c)
{
    (void)c;
    char err[1024];
    if (crm_openapi_build(err, sizeof(err)) != 0) {
        fprintf(stderr, "crm openapi: %s\n", err);
        return 1;
    }
    size_t len;
    const char *text = crm_openapi_text(&len);
    fwrite(text, 1, len, stdout);
    fputc('\n', stdout);
    crm_openapi_free();
    return 0;
}

static int
crm_cmd_version(crm_config_t *c)
{
    (void)c;
    printf("crm %s\n", CRM_VERSION);
    return 0;
}

static const crm_command_t crm_commands[] = {
    {"serve", CRM_CMD_SERVE, crm_cmd_serve, "serve the HTTP API (needs a migrated database)",
     "Serves until SIGTERM or SIGINT, then stops accepting connections, lets in-flight\n"
     "requests finish (up to --shutdown-timeout) and exits 0. Refuses to start while\n"
     "migrations are pending or when tenant queries would bypass row-level security.",
     NULL},
    {"migrate", CRM_CMD_MIGRATE, crm_cmd_migrate, "apply pending database migrations",
     "Applies every pending migration of every module in order, each in its own\n"
     "transaction, and prints what it applied. Idempotent. Connect as the role that owns\n"
     "the schema. Refuses to run if an applied migration's SQL has changed.",
     NULL},
    {"statements", CRM_CMD_MIGRATE, crm_cmd_statements,
     "check the embedded SQL statements against the database",
     "Prepares every statement of the .sql files compiled into this binary on a migrated\n"
     "database and checks that PostgreSQL counts the parameters their SQL numbers and names\n"
     "the result columns their -- returns: lines declare. Prints each disagreement and\n"
     "exits 1 when there is one. Connect as the role that owns the schema.",
     NULL},
    {"worker", CRM_CMD_WORKER, crm_cli_worker, "deliver queued email and SMS",
     "Claims due outbox rows of every tenant (several workers may run at once: each row\n"
     "goes to one), words them with the tenant's templates, sends them through the\n"
     "configured channels and records each answer; retries passing failures later.\n"
     "Serves /healthz, /readyz and /metrics on --listen. On SIGTERM or SIGINT finishes\n"
     "the send in flight, gives back what it claimed but did not send, and exits 0.",
     NULL},
    {"healthcheck", CRM_CMD_HEALTHCHECK, crm_cli_healthcheck,
     "whether the crm serving on --listen answers (a container's health check)",
     "GETs /healthz on the --listen address (0.0.0.0 and :: asked on loopback) within 2 s\n"
     "and exits 0 when it answers 200, 1 otherwise, saying why. For a container's\n"
     "HEALTHCHECK: the image carries no curl. Works for `crm serve` and `crm worker`.",
     NULL},
    {"dev", CRM_CMD_DEV, crm_cmd_dev, "private PostgreSQL + migrations + demo data + serve",
     "Starts (or reuses) a PostgreSQL cluster under --dev-dir, creates the crm role and\n"
     "database, migrates, seeds the demo tenant and serves. Ctrl-C stops the server and\n"
     "the cluster; the data stays for the next run.",
     NULL},
    {"openapi", 0, crm_cmd_openapi, "print the OpenAPI document",
     "Prints the OpenAPI 3.1 "
     "document the server serves at /openapi.json.",
     NULL},
    {"version", 0, crm_cmd_version, "print the version", "Prints the version.", NULL},
    {"tenant", CRM_CMD_ADMIN, NULL, "create, list, suspend, resume, export and import tenants",
     "crm tenant create --name NAME --slug SLUG --admin-email EMAIL [--admin-password PW]\n"
     "                  [--admin-name NAME] [--modules clinic,...] [--time-zone Europe/London]\n"
     "                  [--default-country GB]\n"
     "    Creates the tenant and its first Admin; without --admin-password a password is\n"
     "    generated and printed once.\n"
     "crm tenant list\n"
     "crm tenant suspend SLUG | crm tenant resume SLUG\n"
     "    A suspended tenant's users cannot sign in, refresh, or use their access tokens.\n"
     "crm tenant sms-senders SLUG --sms-senders \"+447700900123,Riverside\"\n"
     "    The SMS numbers and sender ids the tenant may send from (\"\": none); a number\n"
     "    belongs to one tenant only. Its admins pick one as settings.sms_sender.\n"
     "crm tenant export --tenant SLUG --out FILE\n"
     "    Writes every row of the tenant (audit log and chain heads included), from one\n"
     "    snapshot, as a versioned tar archive of CSV files; the export is audited.\n"
     "crm tenant import --in FILE\n"
     "    Loads such an archive into this database (the same schema version; the tenant's\n"
     "    id and slug must be new here) in one transaction; its audit chain must verify.\n"
     "    Needs SET on session_replication_role (GRANT SET ON PARAMETER ... TO the role).\n"
     "Runs as the schema owner (CRM_MIGRATE_DATABASE_URL, else CRM_DATABASE_URL).",
     crm_cli_tenant},
    {"user", CRM_CMD_ADMIN, NULL, "create, list, disable users; reset passwords",
     "crm user create --tenant SLUG --email EMAIL --full-name NAME --role ROLE\n"
     "                [--password PW] [--practitioner]\n"
     "crm user list --tenant SLUG\n"
     "crm user disable --tenant SLUG --email EMAIL\n"
     "crm user reset-password --tenant SLUG --email EMAIL [--password PW]\n"
     "    Without --password a password is generated and printed once. Roles: admin,\n"
     "    practitioner, receptionist, sales, viewer.",
     crm_cli_user},
    {"audit", CRM_CMD_ADMIN, NULL, "verify, checkpoint and purge the audit log",
     "crm audit verify [--tenant SLUG] [--checkpoint FILE]\n"
     "    Checks each tenant's hash chain (or one tenant's) and prints\n"
     "    {\"ok\", \"rows_checked\", \"first_broken\"} per tenant; exits 1 when a chain is "
     "broken.\n"
     "    With --checkpoint (a file holding a token from `crm audit checkpoint`, or - for\n"
     "    stdin; needs --tenant) also checks that the chain still holds that head.\n"
     "crm audit checkpoint --tenant SLUG\n"
     "    Prints the chain's head (last id, hash, row count, time) signed with the first key\n"
     "    of CRM_JWT_KEYS, for storage outside the database.\n"
     "crm audit purge [--tenant SLUG]\n"
     "    Removes rows older than each tenant's retention period (settings.audit_retention_days,\n"
     "    default 2192 days: six years) as the crm_audit_retention role, keeping a checkpoint\n"
     "    so that the rest of the chain still verifies.\n"
     "Runs as the schema owner (CRM_MIGRATE_DATABASE_URL, else CRM_DATABASE_URL).",
     crm_cli_audit},
    {"keys", 0, NULL, "print a new access-token signing key",
     "crm keys generate [--alg HS256|RS256|ES256] [--kid KID] [--dir DIR]\n"
     "    Prints one entry of the CRM_JWT_KEYS key set as JSON. RS256 and ES256 write\n"
     "    KID.key.pem and KID.pub.pem into DIR. Put the new entry first to sign with it;\n"
     "    keep the old ones listed until their tokens have expired.",
     crm_cli_keys},
    {"messaging", CRM_CMD_MESSAGING, NULL, "try the message channels with real sends",
     "crm messaging test-sms TO [TEXT]\n"
     "    Sends one SMS to TO (E.164) through Twilio (CRM_TWILIO_*, from CRM_SMS_FROM), or\n"
     "    appends it to CRM_SMS_LOG when CRM_TWILIO_ACCOUNT_SID is unset. Exits 0 when sent,\n"
     "    1 on a permanent failure (naming Twilio's code), 75 on a temporary one (the worker\n"
     "    would retry).\n"
     "crm messaging test-email TO [--from-name NAME] [--reply-to ADDR] [--subject TEXT]\n"
     "    Sends one message with a text part, an HTML part and a calendar invitation\n"
     "    (invite.ics, METHOD:REQUEST) to TO through CRM_SMTP_URL's relay, or writes it as an\n"
     "    .eml file into CRM_MAIL_DIR when CRM_SMTP_URL is unset. Prints the Message-ID and\n"
     "    exits 0; prints the error with the SMTP reply code and exits 1 when the message\n"
     "    was not accepted; exits 2 when the configuration is wrong.",
     crm_cli_messaging},
    {"permissions", 0, NULL, "print the role and permission matrix",
     "Prints the matrix of built-in roles and permissions as a Markdown table.",
     crm_cli_permissions},
};
#define CRM_NCOMMANDS (sizeof(crm_commands) / sizeof(crm_commands[0]))

static void
crm_usage(FILE *out)
{
    fprintf(out,
            "crm %s - multi-tenant CRM for clinics\n\nUsage: crm COMMAND [OPTIONS]\n\n"
            "Commands:\n",
            CRM_VERSION);
    for (size_t i = 0; i < CRM_NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", crm_commands[i].name, crm_commands[i].summary);
    fprintf(out, "\n`crm COMMAND --help` shows a command's options. Every option is also an\n"
                 "environment variable (CRM_...); a flag overrides its variable. CRM_X_FILE\n"
                 "instead of CRM_X names a file holding the value (Docker and ECS secrets).\n");
}

static void
crm_command_help(const crm_command_t *cmd)
{
    if (cmd->run_args)
        printf("Usage:\n%s\n", cmd->usage);
    else
        printf("Usage: crm %s%s\n\n%s\n", cmd->name, cmd->config ? " [OPTIONS]" : "", cmd->usage);
    if (cmd->config) {
        printf("\n");
        crm_config_print_help(stdout, cmd->config);
    }
}

static const char *
crm_getenv(const char *name)
{
    return getenv(name);
}

int
main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        crm_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return crm_cmd_version(NULL);
    const crm_command_t *cmd = NULL;
    for (size_t i = 0; i < CRM_NCOMMANDS && !cmd; i++)
        if (strcmp(argv[1], crm_commands[i].name) == 0)
            cmd = &crm_commands[i];
    if (!cmd) {
        fprintf(stderr, "crm: unknown command '%s' (see crm --help)\n", argv[1]);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            crm_command_help(cmd);
            return 0;
        }
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "crm: libsodium failed to initialise\n");
        return 1;
    }
    if (cmd->run_args)
        return cmd->run_args(argc - 2, argv + 2);
    crm_config_t config;
    char err[512];
    if (crm_config_load(&config, cmd->config, argc - 2, (const char *const *)(argv + 2), crm_getenv,
                        err, sizeof(err)) != 0) {
        fprintf(stderr, "crm %s: %s\n", cmd->name, err);
        return 2;
    }
    crm_log_set_level(config.log_level);
    return cmd->run(&config);
}
