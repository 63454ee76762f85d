/* email_transport.h - sends composed email over SMTP (libcurl), or writes .eml files when no
 * relay is configured */
#ifndef CRM_MESSAGING_EMAIL_TRANSPORT_H
#define CRM_MESSAGING_EMAIL_TRANSPORT_H

#include <time.h>

#include "core/messaging/email_message.h"
#include "core/messaging/send_result.h"
#include "core/util/config.h"

/* One way out for email, from the configuration:
 * - CRM_SMTP_URL smtp://user:pass@host:587 (STARTTLS required, unless the host is localhost,
 *   127.0.0.1 or ::1, where it is used when offered) or smtps://user:pass@host:465 (TLS from
 *   the start); user and password percent-decoded, ";AUTH=LOGIN" after the user picks the
 *   mechanism; CRM_SMTP_CA_FILE the CAs its certificate is checked against; CRM_SMTP_FROM the
 *   envelope and From address (required). Connect timeout 10 s, whole message 30 s.
 * - no CRM_SMTP_URL: each message is written as a file into CRM_MAIL_DIR (created if missing,
 *   mode 0700), atomically (a temporary file renamed), named from the time and Message-ID,
 *   and that counts as sent. CRM_SMTP_FROM defaults to noreply@localhost.
 *
 * Thread safety: a transport holds one libcurl handle (whose connection it keeps open between
 * messages) and must be used by one thread at a time; make one per thread. Creating and
 * freeing transports is safe from any thread (libcurl's global set-up runs once). */
typedef struct crm_email_transport crm_email_transport;

/* NULL, with a sentence naming the setting at fault in err, when the configuration is wrong. */
crm_email_transport *crm_email_transport_new(const crm_config_t *c, char *err, size_t errlen);
void crm_email_transport_free(crm_email_transport *t);

/* The sender address (CRM_SMTP_FROM, or its default). */
const char *crm_email_transport_from(const crm_email_transport *t);
/* Where messages go, for logs: the relay's URL without credentials, or the mail folder. */
const char *crm_email_transport_target(const crm_email_transport *t);

/* Composes m (from_addr NULL: the transport's) dated now and sends it; the envelope sender
 * (MAIL FROM) is always the transport's address. out->provider_id is the Message-ID. A message that
 * cannot be composed (a header with CR or LF, a malformed address) is CRM_SEND_PERMANENT; so is an
 * SMTP 5xx refusing the recipient or the message. Temporary failures are CRM_SEND_RETRY: no
 * connection, a timeout, TLS, an SMTP 4xx, and also a 5xx to AUTH or MAIL FROM (the platform's
 * credentials or sender, to be fixed in the configuration, not the message's fault). error_code
 * holds the SMTP reply code when there was one. */
void crm_email_transport_send(crm_email_transport *t, const crm_email *m, time_t now,
                              crm_send_result *out);

/* The classification above, from libcurl's result (a CURLcode), the last SMTP reply code (0:
 * none) and libcurl's error text ("RCPT failed: 550"). */
crm_send_status crm_email_smtp_classify(int curl_code, long smtp_code, const char *curl_error);

#endif
