/* admin.h - the administration commands: tenant, user, keys, permissions, audit */
#ifndef CRM_CLI_ADMIN_H
#define CRM_CLI_ADMIN_H

#include "core/util/config.h"

/* Each takes the words after its command name; returns the exit status. */
int crm_cli_tenant(int argc, char **argv);
int crm_cli_user(int argc, char **argv);
int crm_cli_keys(int argc, char **argv);
int crm_cli_permissions(int argc, char **argv);
int crm_cli_audit(int argc, char **argv);

#endif
