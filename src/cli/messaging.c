/* messaging.c - `crm messaging test-email`: one message with text, HTML and an invitation,
 * through the channel the configuration names, so an operator can prove the relay works */
#include "cli/messaging.h"
#include "cli/messaging_sms.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/messaging/email_transport.h"
#include "core/util/arena.h"
#include "core/util/config.h"
#include "core/util/log.h"

#define MESSAGING_USAGE                                                                            \
    "usage: crm messaging test-email TO [--from-name NAME] [--reply-to ADDR] "                     \
    "[--subject TEXT]\n"                                                                           \
    "       crm messaging test-sms TO [TEXT]\n"

static const char *
messaging_getenv(const char *name)
{
    return getenv(name);
}

/* A small invitation for tomorrow, METHOD:REQUEST, in the caller's arena. */
static char *
messaging_ics(crm_arena_t *a, const char *from, const char *to, time_t now)
{
    char stamp[20], start[20], end[20], uid[33];
    unsigned char raw[16];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(uid, sizeof(uid), raw, sizeof(raw));
    struct tm tm;
    time_t at = now + 86400;
    time_t until = at + 1800;
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
    strftime(start, sizeof(start), "%Y%m%dT%H%M%SZ", gmtime_r(&at, &tm));
    strftime(end, sizeof(end), "%Y%m%dT%H%M%SZ", gmtime_r(&until, &tm));
    return crm_arena_sprintf(a,
                             "BEGIN:VCALENDAR\r\n"
                             "PRODID:-//crm//test-email//EN\r\n"
                             "VERSION:2.0\r\n"
                             "METHOD:REQUEST\r\n"
                             "BEGIN:VEVENT\r\n"
                             "UID:test-%s@%s\r\n"
                             "DTSTAMP:%s\r\n"
                             "DTSTART:%s\r\n"
                             "DTEND:%s\r\n"
                             "SEQUENCE:0\r\n"
                             "SUMMARY:Test invitation\r\n"
                             "ORGANIZER:mailto:%s\r\n"
                             "ATTENDEE;RSVP=FALSE:mailto:%s\r\n"
                             "END:VEVENT\r\n"
                             "END:VCALENDAR\r\n",
                             uid, strrchr(from, '@') + 1, stamp, start, end, from, to);
}

static const char *
messaging_status_name(crm_send_status s)
{
    return s == CRM_SEND_PERMANENT ? "failed for good" : "failed, worth retrying";
}

static int
messaging_test_email(crm_config_t *c, const char *to, const char *from_name, const char *reply_to,
                     const char *subject)
{
    char err[512];
    crm_email_transport *t = crm_email_transport_new(c, err, sizeof(err));
    if (!t) {
        fprintf(stderr, "crm messaging: %s\n", err);
        return 2;
    }
    if (crm_email_address_check(to) != 0) {
        fprintf(stderr, "crm messaging test-email: '%s' is not an email address\n", to);
        crm_email_transport_free(t);
        return 1;
    }
    crm_arena_t *a = crm_arena_create(4096);
    time_t now = time(NULL);
    const char *from = crm_email_transport_from(t);
    crm_email m = {
        .from_name = from_name,
        .reply_to = reply_to,
        .to = to,
        .subject = subject ? subject : "Test message from crm",
        .text = "This is a test message from crm.\n\n"
                "It has a text part, an HTML part and a calendar invitation (invite.ics).\n",
        .html = "<!DOCTYPE html>\n<html><body>\n<p>This is a <strong>test message</strong> "
                "from crm.</p>\n<p>It has a text part, an HTML part and a calendar invitation "
                "(invite.ics).</p>\n</body></html>\n",
        .ics = messaging_ics(a, from, to, now),
        .ics_method = "REQUEST",
    };
    crm_send_result r;
    crm_email_transport_send(t, &m, now, &r);
    int rc = 0;
    if (r.status == CRM_SEND_OK) {
        printf("%s\n", r.provider_id);
    } else {
        fprintf(stderr, "crm messaging test-email: %s%s%s%s: %s\n", messaging_status_name(r.status),
                r.error_code[0] ? " (SMTP " : "", r.error_code, r.error_code[0] ? ")" : "",
                r.error);
        rc = 1;
    }
    crm_arena_destroy(a);
    crm_email_transport_free(t);
    return rc;
}

static int
test_email(int argc, char **argv)
{
    static const char *const names[] = {"--from-name", "--reply-to", "--subject"};
    const char *values[3] = {NULL, NULL, NULL};
    const char *to = NULL;
    const char **rest = crm_xcalloc((size_t)argc + 1, sizeof(char *));
    int nrest = 0;
    for (int i = 1; i < argc; i++) {
        size_t k = 0;
        while (k < 3 && strcmp(argv[i], names[k]) != 0)
            k++;
        if (k < 3 && i + 1 < argc) {
            values[k] = argv[++i];
        } else if (k < 3) {
            fprintf(stderr, "crm messaging: %s needs a value\n", names[k]);
            free(rest);
            return 2;
        } else if (argv[i][0] != '-' && !to) {
            to = argv[i];
        } else {
            rest[nrest++] = argv[i];
            if (!strchr(argv[i], '=') && i + 1 < argc && argv[i + 1][0] != '-')
                rest[nrest++] = argv[++i];
        }
    }
    crm_config_t config;
    char err[512];
    int rc = crm_config_load(&config, CRM_CMD_MESSAGING, nrest, rest, messaging_getenv, err,
                             sizeof(err));
    free(rest);
    if (rc != 0) {
        fprintf(stderr, "crm messaging: %s\n", err);
        return 2;
    }
    if (!to) {
        fprintf(stderr, MESSAGING_USAGE);
        return 2;
    }
    crm_log_set_level(config.log_level);
    return messaging_test_email(&config, to, values[0], values[1], values[2]);
}

int
crm_cli_messaging(int argc, char **argv)
{
    if (argc > 0 && strcmp(argv[0], "test-email") == 0)
        return test_email(argc, argv);
    if (argc > 0 && strcmp(argv[0], "test-sms") == 0)
        return crm_cli_messaging_test_sms(argc - 1, argv + 1);
    fprintf(stderr, MESSAGING_USAGE);
    return 2;
}
