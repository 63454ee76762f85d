/* messaging_sms.c - `crm messaging test-sms`: sends one SMS and says whether it went, for good */
#include "cli/messaging_sms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/messaging/sms_segments.h"
#include "core/messaging/sms_twilio.h"
#include "core/util/arena.h"
#include "core/util/config.h"

#define CRM_TEST_SMS_TEXT "This is a test message from crm: SMS sending works."

static const char *
crm_cli_getenv(const char *name)
{
    return getenv(name);
}

int
crm_cli_messaging_test_sms(int argc, char **argv)
{
    const char *cmd = "crm messaging test-sms";
    const char *words[2] = {NULL, NULL};
    int nwords = 0;
    const char **flags = crm_xcalloc((size_t)argc + 1, sizeof(char *));
    int nflags = 0;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) == 0) {
            flags[nflags++] = argv[i];
            if (!strchr(argv[i], '=') && i + 1 < argc)
                flags[nflags++] = argv[++i];
        } else if (nwords < 2) {
            words[nwords++] = argv[i];
        } else {
            fprintf(stderr, "%s: unexpected '%s' (quote the text)\n", cmd, argv[i]);
            free(flags);
            return 2;
        }
    }
    crm_config_t config;
    char err[512];
    int rc = crm_config_load(&config, CRM_CMD_MESSAGING, nflags, flags, crm_cli_getenv, err,
                             sizeof(err));
    free(flags);
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", cmd, err);
        return 2;
    }
    if (!words[0]) {
        fprintf(stderr, "%s: needs the number to send to (crm messaging test-sms TO [TEXT])\n",
                cmd);
        return 2;
    }
    crm_sms_message m = {
        .to = words[0], .from = NULL, .body = words[1] ? words[1] : CRM_TEST_SMS_TEXT};
    crm_sms_length length;
    if (crm_sms_measure(m.body, strlen(m.body), &length) != 0) {
        fprintf(stderr, "%s: the text is not UTF-8\n", cmd);
        return 2;
    }
    crm_sms_config cfg;
    crm_sms_config_from(&cfg, &config);
    crm_sms_transport *t = crm_sms_transport_new(&cfg, err, sizeof(err));
    if (!t) {
        fprintf(stderr, "%s: %s\n", cmd, err);
        return 2;
    }
    crm_send_result res;
    switch (crm_sms_send(t, &m, &res)) {
    case CRM_SEND_OK:
        if (crm_sms_transport_logs(t))
            printf("written to %s (CRM_TWILIO_ACCOUNT_SID is unset): %zu segment(s), %s\n",
                   crm_sms_transport_log_path(t), length.segments,
                   crm_sms_encoding_name(length.encoding));
        else
            printf("sent: Twilio message %s (%s), %zu segment(s), %s\n",
                   res.provider_id[0] ? res.provider_id : "without sid",
                   crm_sms_last_status(t)[0] ? crm_sms_last_status(t) : "no status",
                   length.segments, crm_sms_encoding_name(length.encoding));
        rc = 0;
        break;
    case CRM_SEND_RETRY:
        fprintf(stderr, "%s: temporary failure (the worker would retry): %s%s%s%s\n", cmd,
                res.error, res.error_code[0] ? " (Twilio code " : "", res.error_code,
                res.error_code[0] ? ")" : "");
        rc = CRM_EXIT_TEMPFAIL;
        break;
    case CRM_SEND_PERMANENT:
        fprintf(stderr, "%s: permanent failure (the worker would not retry): %s%s%s%s\n", cmd,
                res.error, res.error_code[0] ? " (Twilio code " : "", res.error_code,
                res.error_code[0] ? ")" : "");
        rc = 1;
        break;
    }
    crm_sms_transport_free(t);
    return rc;
}
