/* messaging_sms.h - `crm messaging test-sms`: one SMS through the configured channel */
#ifndef CRM_CLI_MESSAGING_SMS_H
#define CRM_CLI_MESSAGING_SMS_H

/* Exit status of a send that failed for now and may succeed later (sysexits' EX_TEMPFAIL). */
#define CRM_EXIT_TEMPFAIL 75

/* `crm messaging test-sms TO [TEXT] [OPTIONS]`: the words after `test-sms`. Exits 0 when sent
 * (or logged), 1 on a permanent failure, CRM_EXIT_TEMPFAIL on a temporary one, 2 on usage or
 * configuration errors. */
int crm_cli_messaging_test_sms(int argc, char **argv);

#endif
