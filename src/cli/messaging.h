/* messaging.h - the messaging commands: a test email or SMS through the configured channel */
#ifndef CRM_CLI_MESSAGING_H
#define CRM_CLI_MESSAGING_H

/* crm messaging test-email|test-sms ...: takes the words after "messaging"; the exit status. */
int crm_cli_messaging(int argc, char **argv);

#endif
