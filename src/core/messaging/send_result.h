/* send_result.h - what a channel (email, SMS) answers for one message: sent, worth retrying, or
 * failed for good, with the provider's id and error for the outbox row. */
#ifndef CRM_MESSAGING_SEND_RESULT_H
#define CRM_MESSAGING_SEND_RESULT_H

typedef enum {
    CRM_SEND_OK = 0,    /* accepted by the provider (or written to the local sink) */
    CRM_SEND_RETRY,     /* a temporary failure: connection, timeout, 4xx SMTP, 429/5xx HTTP */
    CRM_SEND_PERMANENT, /* will never succeed: bad address or number, unsubscribed, refused */
} crm_send_status;

typedef struct {
    crm_send_status status;
    char provider_id[128]; /* the provider's message id (Twilio's SID, the Message-ID), or "" */
    char error_code[32];   /* the provider's code ("21211", "550"), or "" */
    char error[256];       /* a human sentence for the row's last_error, or "" */
} crm_send_result;

#endif
