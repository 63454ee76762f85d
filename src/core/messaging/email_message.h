/* email_message.h - composes one RFC 5322 message: headers, text and HTML parts, an optional
 * iCalendar invitation */
#ifndef CRM_MESSAGING_EMAIL_MESSAGE_H
#define CRM_MESSAGING_EMAIL_MESSAGE_H

#include <stddef.h>
#include <time.h>

/* One message to compose. Strings are UTF-8; header values (names, addresses, subject) must
 * not hold CR, LF or other control characters: such a message is refused, never sent, so no
 * value can add a header. Addresses are plain addr-specs (someone@example.com). */
typedef struct crm_email {
    const char *from_addr;  /* sender address; the transport's CRM_SMTP_FROM when NULL */
    const char *from_name;  /* display name (the tenant's), or NULL */
    const char *reply_to;   /* Reply-To address, or NULL */
    const char *to;         /* the one recipient */
    const char *subject;    /* NULL: empty */
    const char *text;       /* text/plain body, required */
    const char *html;       /* text/html body, or NULL for a text-only message */
    const char *ics;        /* NULL or a VCALENDAR text, attached as invite.ics */
    const char *ics_method; /* "REQUEST" or "CANCEL" (required with ics) */
    /* the Message-ID of an earlier attempt ("<id@domain>"), kept by a retry so that a repeat
     * can be told; NULL (or not of that form): a new random one */
    const char *message_id;
} crm_email;

/* A composed message. */
typedef struct crm_email_composed {
    char *data; /* malloc'd, CRLF line ends, NUL-terminated */
    size_t len;
    char message_id[128]; /* "<32 hex digits@domain of from_addr>", brackets included */
} crm_email_composed;

/* The longest sender domain a Message-ID can carry within crm_send_result's provider_id. */
#define CRM_EMAIL_MAX_FROM_DOMAIN 90

/* Composes m (from_addr must be set) dated date into out: multipart/mixed holding a
 * multipart/alternative (text/plain then text/html, UTF-8, quoted-printable) and, with ics, a
 * base64 text/calendar attachment; every line at most 78 characters in the headers and 76 in
 * the bodies. Message-ID and MIME boundaries are random. Returns 0, or -1 with a sentence
 * naming the field at fault in err (nothing to free then). */
int crm_email_compose(const crm_email *m, time_t date, crm_email_composed *out, char *err,
                      size_t errlen);
void crm_email_composed_free(crm_email_composed *c);

/* 0 when addr is an address this composer accepts: ASCII local@domain, a dot-atom local part
 * of at most 64 characters, a domain of letters, digits and hyphens in dot-separated labels;
 * -1 otherwise. */
int crm_email_address_check(const char *addr);

/* The RFC 5322 date of t in UTC ("Sat, 05 Dec 2026 08:41:38 +0000") into out (>= 32 bytes). */
void crm_email_date(time_t t, char *out, size_t len);

#endif
