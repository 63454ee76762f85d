/* cli.h - what the command-line tools share: flags, setup on the schema owner's connection,
 * and running the API's own handlers on requests made here */
#ifndef CRM_CLI_CLI_H
#define CRM_CLI_CLI_H

#include <jansson.h>
#include <stdbool.h>

#include "core/util/config.h"
#include "core/http/request.h"

/* Flags of a command: --name value pairs and bare switches, the rest go to the config. */
typedef struct crm_flag {
    const char *name;
    bool is_switch;
    const char *value; /* filled in */
} crm_flag_t;

/* The value of a flag given, or NULL. */
const char *crm_flag(const crm_flag_t *flags, const char *name);
/* Splits argv into the command's flags (and one positional word, if positional is given) and
 * configuration options; sets up the database layer on the schema owner's connection.
 * 0, or the exit status to return. */
int crm_cli_setup(const char *cmd, int argc, char **argv, crm_flag_t *flags,
                  const char **positional, crm_config_t *config);
/* Runs handler on a request made here, as an Admin of tenant_id (NULL: none): body and query
 * (both stolen, may be NULL), path parameter id. Finish with crm_cli_done. */
crm_req_t *crm_cli_run(void (*handler)(crm_req_t *), json_t *body, const char *tenant_id,
                       const char *id, json_t *query);
/* Prints a failed request's problem and its field errors; returns 1. */
int crm_cli_failed(const char *cmd, crm_req_t *r);
/* The response body, parsed (caller's reference). */
json_t *crm_cli_body(crm_req_t *r);
void crm_cli_done(crm_req_t *r);
/* Runs handler (query stolen, may be NULL) and returns its 200 answer parsed (caller's
 * reference), or NULL after printing the problem. */
json_t *crm_cli_call(const char *cmd, void (*handler)(crm_req_t *), const char *tenant_id,
                     const char *id, json_t *query);
/* The id of the tenant with this slug (or id), malloc'd; NULL after printing why. */
char *crm_cli_tenant_id(const char *cmd, const char *slug);
/* Calls fn for each item of a list handler's pages (as an Admin of tenant_id, or NULL for
 * the platform's tenant list); stops when fn returns non-zero and returns that, or -1 after
 * printing why the list failed. */
int crm_cli_each_item(const char *cmd, void (*list)(crm_req_t *), const char *tenant_id,
                      int (*fn)(json_t *item, void *arg), void *arg);

#endif
