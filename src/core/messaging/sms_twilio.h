/* sms_twilio.h - the SMS channel: Twilio's Messages API over libcurl, or a log file when no
 * account is configured.
 *
 * Threads: a transport owns one CURL handle (its connection to Twilio is kept alive between
 * messages) and must be used by one thread at a time; give each sending thread its own.
 * Creating transports from several threads at once is safe (libcurl is initialised once). The
 * log file is opened with O_APPEND and each message written with one write(2), so transports
 * of several threads or processes may share it. */
#ifndef CRM_MESSAGING_SMS_TWILIO_H
#define CRM_MESSAGING_SMS_TWILIO_H

#include <stddef.h>

#include "core/messaging/send_result.h"
#include "core/util/config.h"

#define CRM_TWILIO_DEFAULT_BASE_URL "https://api.twilio.com"
#define CRM_SMS_DEFAULT_LOG         "var/sms.log"

typedef struct {
    const char *account_sid; /* NULL or "": no account, messages go to log_path */
    const char *auth_token;  /* needed with an account */
    const char *base_url;    /* NULL: CRM_TWILIO_DEFAULT_BASE_URL */
    const char *from;        /* the platform's default sender (number or sender id), or NULL */
    const char *log_path;    /* NULL: CRM_SMS_DEFAULT_LOG */
    long connect_timeout_ms; /* 0: 10 s */
    long timeout_ms;         /* the whole request; 0: 30 s */
} crm_sms_config;

typedef struct {
    const char *to;              /* E.164 number */
    const char *from;            /* the tenant's sender; NULL or "": the configured default */
    const char *body;            /* UTF-8 */
    const char *status_callback; /* URL Twilio posts status changes to, or NULL */
} crm_sms_message;

typedef struct crm_sms_transport crm_sms_transport;

/* The SMS settings of the configuration (CRM_TWILIO_*, CRM_SMS_FROM, CRM_SMS_LOG). */
void crm_sms_config_from(crm_sms_config *out, const crm_config_t *c);

/* A transport for cfg (whose strings are copied); NULL with a sentence naming the setting at
 * fault in err (an account without a token, an account SID that is not letters and digits,
 * a base URL that is not http(s)). */
crm_sms_transport *crm_sms_transport_new(const crm_sms_config *cfg, char *err, size_t errlen);
void crm_sms_transport_free(crm_sms_transport *t);

/* Whether messages go to the log file rather than to Twilio. */
int crm_sms_transport_logs(const crm_sms_transport *t);
const char *crm_sms_transport_log_path(const crm_sms_transport *t);

/* Sends one message and says how it went (never blocks longer than the timeouts):
 * CRM_SEND_OK with Twilio's message SID in provider_id (or written to the log file: "");
 * CRM_SEND_RETRY for 429, 5xx, connection failures and timeouts; CRM_SEND_PERMANENT for
 * other 4xx (21211 invalid 'To', 21610 unsubscribed recipient, 21614 not a mobile, ...),
 * a 201 whose status is already failed, or a message without recipient, sender or body.
 * error_code is Twilio's code when it gave one; error a sentence for the outbox row. */
crm_send_status crm_sms_send(crm_sms_transport *t, const crm_sms_message *m, crm_send_result *out);

/* Twilio's status of the last message accepted ("queued", "accepted", ...), or "". */
const char *crm_sms_last_status(const crm_sms_transport *t);

/* How an HTTP answer of Twilio's (its status and body, JSON or not) classifies, filling out
 * and Twilio's message status (status_len bytes; "" when none). Exposed for its tests. */
crm_send_status crm_sms_twilio_classify(long http_status, const char *body, size_t len,
                                        crm_send_result *out, char *status, size_t status_len);

#endif
