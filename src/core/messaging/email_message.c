/* email_message.c - composes one RFC 5322 message: checked headers, RFC 2047 encoded-words,
 * quoted-printable bodies and a base64 iCalendar part, inside randomly bounded MIME parts */
#include "core/messaging/email_message.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/arena.h"
#include "core/util/buf.h"
#include "core/util/json.h"

#define EMAIL_HEADER_WIDTH 78 /* RFC 5322 2.1.1: a header line SHOULD stay within 78 characters */
#define EMAIL_BODY_WIDTH   76 /* RFC 2045 6.7, 6.8: encoded lines of at most 76 characters */
#define EMAIL_WORD_BYTES   42 /* text per encoded-word: 56 base64 characters, 68 in all */
#define EMAIL_PHRASE_MAX   60 /* longer display names go as encoded-words, which fold */
#define EMAIL_B64_LINE     57 /* bytes per base64 line of 76 characters */

static int email_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
email_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool
email_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5322 3.2.3 atext: what an atom (and a dot-atom's part) is made of. */
static bool
email_atext(unsigned char c)
{
    return email_alnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

int
crm_email_address_check(const char *addr)
{
    const char *at = strrchr(addr, '@');
    if (!at || at == addr || (size_t)(at - addr) > 64 || strlen(addr) > 254)
        return -1;
    bool after_dot = true;
    for (const char *p = addr; p < at; p++) {
        if (*p == '.') {
            if (after_dot)
                return -1;
            after_dot = true;
        } else if (email_atext((unsigned char)*p)) {
            after_dot = false;
        } else {
            return -1;
        }
    }
    if (after_dot)
        return -1;
    size_t label = 0;
    for (const char *p = at + 1;; p++) {
        if (*p == '.' || *p == '\0') {
            if (label == 0 || label > 63 || p[-1] == '-')
                return -1;
            if (*p == '\0')
                return 0;
            label = 0;
        } else if (email_alnum((unsigned char)*p) || (*p == '-' && label > 0)) {
            label++;
        } else {
            return -1;
        }
    }
}

/* A header value: no CR or LF (which would start a header of its own), no other control
 * character, well-formed UTF-8. */
static int
email_header_check(const char *field, const char *v, char *err, size_t errlen)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '\r' || *p == '\n')
            return email_fail(err, errlen, "%s: must not contain CR or LF", field);
        if (*p < 0x20 || *p == 0x7f)
            return email_fail(err, errlen, "%s: must not contain control characters", field);
    }
    if (crm_utf8_check(v, strlen(v)) != CRM_UTF8_VALID)
        return email_fail(err, errlen, "%s: is not well-formed UTF-8", field);
    return 0;
}

static int
email_address_field(const char *field, const char *v, char *err, size_t errlen)
{
    if (email_header_check(field, v, err, errlen) != 0)
        return -1;
    if (crm_email_address_check(v) != 0)
        return email_fail(err, errlen, "%s: '%s' is not an email address", field, v);
    return 0;
}

static int
email_body_check(const char *field, const char *v, char *err, size_t errlen)
{
    if (crm_utf8_check(v, strlen(v)) != CRM_UTF8_VALID)
        return email_fail(err, errlen, "%s: is not well-formed UTF-8", field);
    return 0;
}

/* The iCalendar part: a VCALENDAR whose METHOD is the one its Content-Type names (RFC 6047). */
static int
email_ics_check(const crm_email *m, char *err, size_t errlen)
{
    if (!m->ics_method ||
        (strcmp(m->ics_method, "REQUEST") != 0 && strcmp(m->ics_method, "CANCEL") != 0))
        return email_fail(err, errlen, "ics_method: must be REQUEST or CANCEL");
    if (email_body_check("ics", m->ics, err, errlen) != 0)
        return -1;
    if (strncmp(m->ics, "BEGIN:VCALENDAR", 15) != 0)
        return email_fail(err, errlen, "ics: must be a VCALENDAR");
    char line[32];
    snprintf(line, sizeof(line), "\nMETHOD:%s", m->ics_method);
    const char *found = strstr(m->ics, line);
    size_t n = strlen(line);
    if (!found || (found[n] != '\r' && found[n] != '\n'))
        return email_fail(err, errlen, "ics: must hold the line METHOD:%s", m->ics_method);
    return 0;
}

static int
email_validate(const crm_email *m, char *err, size_t errlen)
{
    if (!m->from_addr)
        return email_fail(err, errlen, "from_addr: required");
    if (email_address_field("from_addr", m->from_addr, err, errlen) != 0)
        return -1;
    if (strlen(strrchr(m->from_addr, '@') + 1) > CRM_EMAIL_MAX_FROM_DOMAIN)
        return email_fail(err, errlen, "from_addr: the domain is longer than %d characters",
                          CRM_EMAIL_MAX_FROM_DOMAIN);
    if (!m->to)
        return email_fail(err, errlen, "to: required");
    if (email_address_field("to", m->to, err, errlen) != 0)
        return -1;
    if (m->reply_to && email_address_field("reply_to", m->reply_to, err, errlen) != 0)
        return -1;
    if (m->from_name && email_header_check("from_name", m->from_name, err, errlen) != 0)
        return -1;
    if (m->subject && email_header_check("subject", m->subject, err, errlen) != 0)
        return -1;
    if (!m->text)
        return email_fail(err, errlen, "text: required");
    if (email_body_check("text", m->text, err, errlen) != 0)
        return -1;
    if (m->html && email_body_check("html", m->html, err, errlen) != 0)
        return -1;
    if (m->ics && email_ics_check(m, err, errlen) != 0)
        return -1;
    return 0;
}

/* Printable ASCII without "=?", which a reader could take for the start of an encoded-word. */
static bool
email_plain(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7e || (p[0] == '=' && p[1] == '?'))
            return false;
    return true;
}

/* Appends s (not empty) as RFC 2047 encoded-words, UTF-8 in base64, whole characters in each,
 * one per line after the first. Returns the column after the last. */
static size_t
email_encoded_words(crm_buf_t *b, const char *s, size_t col)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t take = n - i;
        if (take > EMAIL_WORD_BYTES) {
            take = EMAIL_WORD_BYTES;
            while (take > 1 && ((unsigned char)s[i + take] & 0xc0) == 0x80)
                take--; /* end before a continuation byte: a character is never split */
        }
        char b64[sodium_base64_ENCODED_LEN(EMAIL_WORD_BYTES, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s + i, take,
                          sodium_base64_VARIANT_ORIGINAL);
        if (i > 0) {
            crm_buf_puts(b, "\r\n ");
            col = 1;
        }
        crm_buf_printf(b, "=?UTF-8?B?%s?=", b64);
        col += 12 + strlen(b64);
        i += take;
    }
    return col;
}

/* Appends plain s folded at spaces (RFC 5322 2.2.3) so that no line passes the width; false
 * (nothing appended) when a word is too long for a line of its own. */
static bool
email_folded(crm_buf_t *b, const char *s, size_t col)
{
    size_t start = b->len;
    const char *p = s;
    bool first = true;
    while (*p) {
        /* a piece: the spaces before a word, then the word */
        const char *q = p;
        while (*q == ' ')
            q++;
        while (*q && *q != ' ')
            q++;
        size_t n = (size_t)(q - p);
        if (!first && col + n > EMAIL_HEADER_WIDTH && p[0] == ' ' && p[n - 1] != ' ') {
            crm_buf_puts(b, "\r\n");
            col = 0;
        }
        if (col + n > EMAIL_HEADER_WIDTH) {
            b->len = start;
            b->data[start] = '\0';
            return false;
        }
        crm_buf_append(b, p, n);
        col += n;
        first = false;
        p = q;
    }
    return true;
}

/* Subject: as it is, folded, when plain; else as encoded-words. */
static void
email_subject(crm_buf_t *b, const char *subject)
{
    crm_buf_puts(b, "Subject: ");
    if (!email_plain(subject) || !email_folded(b, subject, 9))
        email_encoded_words(b, subject, 9);
    crm_buf_puts(b, "\r\n");
}

/* A display name made of atoms separated by single spaces needs no quotes. */
static bool
email_atom_phrase(const char *s)
{
    if (!*s || s[0] == ' ')
        return false;
    for (const char *p = s; *p; p++) {
        if (*p == ' ' ? (p[1] == ' ' || p[1] == '\0') : !email_atext((unsigned char)*p))
            return false;
    }
    return true;
}

/* From: name <addr>, the name as atoms, a quoted string (RFC 5322 3.2.4) or encoded-words. */
static void
email_mailbox(crm_buf_t *b, const char *field, const char *name, const char *addr)
{
    crm_buf_printf(b, "%s: ", field);
    size_t col = strlen(field) + 2;
    if (!name || !*name) {
        crm_buf_printf(b, "%s\r\n", addr);
        return;
    }
    size_t quoted = 2;
    for (const char *p = name; *p; p++)
        quoted += (*p == '"' || *p == '\\') ? 2 : 1;
    if (!email_plain(name) || quoted > EMAIL_PHRASE_MAX) {
        col = email_encoded_words(b, name, col);
    } else if (email_atom_phrase(name)) {
        crm_buf_puts(b, name);
        col += strlen(name);
    } else {
        crm_buf_putc(b, '"');
        for (const char *p = name; *p; p++) {
            if (*p == '"' || *p == '\\')
                crm_buf_putc(b, '\\');
            crm_buf_putc(b, *p);
        }
        crm_buf_putc(b, '"');
        col += quoted;
    }
    if (col + 3 + strlen(addr) > EMAIL_HEADER_WIDTH)
        crm_buf_puts(b, "\r\n");
    crm_buf_printf(b, " <%s>\r\n", addr);
}

void
crm_email_date(time_t t, char *out, size_t len)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, len, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* How byte c at column col goes in quoted-printable (RFC 2045 6.7): itself, or =XX for '=',
 * bytes outside printable ASCII, a space or tab ending a line and a dot starting one (which
 * SMTP would otherwise have to stuff). Returns the length written to enc. */
static size_t
email_qp_token(unsigned char c, size_t col, bool line_end, char enc[4])
{
    bool literal = (c >= 33 && c <= 126 && c != '=' && !(c == '.' && col == 0)) ||
                   ((c == ' ' || c == '\t') && !line_end);
    if (literal) {
        enc[0] = (char)c;
        return 1;
    }
    static const char hex[] = "0123456789ABCDEF";
    enc[0] = '=';
    enc[1] = hex[c >> 4];
    enc[2] = hex[c & 15];
    return 3;
}

/* Quoted-printable of s: its line breaks (LF or CRLF) as CRLF, soft breaks keeping every line
 * within 76 characters, the '=' of a soft break included. */
static void
email_qp(crm_buf_t *b, const char *s)
{
    size_t col = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (p[0] == '\n' || (p[0] == '\r' && p[1] == '\n')) {
            crm_buf_puts(b, "\r\n");
            col = 0;
            p += p[0] == '\r' ? 2 : 1;
            continue;
        }
        bool line_end = p[1] == '\0' || p[1] == '\n' || (p[1] == '\r' && p[2] == '\n');
        char enc[4];
        size_t n = email_qp_token(*p, col, line_end, enc);
        if (col + n > EMAIL_BODY_WIDTH - 1) {
            crm_buf_puts(b, "=\r\n");
            col = 0;
            n = email_qp_token(*p, col, line_end, enc);
        }
        crm_buf_append(b, enc, n);
        col += n;
        p++;
    }
}

/* Base64 of data in lines of 76 characters joined by CRLF (no CRLF after the last). */
static void
email_base64(crm_buf_t *b, const unsigned char *data, size_t len)
{
    for (size_t i = 0; i < len; i += EMAIL_B64_LINE) {
        size_t n = len - i < EMAIL_B64_LINE ? len - i : EMAIL_B64_LINE;
        char line[sodium_base64_ENCODED_LEN(EMAIL_B64_LINE, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(line, sizeof(line), data + i, n, sodium_base64_VARIANT_ORIGINAL);
        if (i > 0)
            crm_buf_puts(b, "\r\n");
        crm_buf_puts(b, line);
    }
}

/* s with every bare LF made CRLF, as iCalendar's lines must end (RFC 5545 3.1). */
static crm_buf_t *
email_crlf(crm_arena_t *a, const char *s)
{
    crm_buf_t *b = crm_buf_new_heap(a, strlen(s) + 256);
    for (const char *p = s; *p; p++) {
        if (*p == '\n' && (p == s || p[-1] != '\r'))
            crm_buf_putc(b, '\r');
        crm_buf_putc(b, *p);
    }
    return b;
}

static void
email_text_part(crm_buf_t *b, const char *type, const char *body)
{
    crm_buf_printf(b,
                   "Content-Type: %s; charset=UTF-8\r\n"
                   "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                   type);
    email_qp(b, body);
}

static void
email_random_hex(char *out, size_t bytes)
{
    unsigned char raw[32];
    randombytes_buf(raw, bytes);
    sodium_bin2hex(out, bytes * 2 + 1, raw, bytes);
}

/* Whether id is a Message-ID this composer would have made: "<local@domain>", printable
 * ASCII without spaces, shorter than the out->message_id buffer. */
static bool
email_message_id_ok(const char *id)
{
    if (!id)
        return false;
    size_t n = strlen(id);
    if (n < 5 || n >= sizeof(((crm_email_composed *)0)->message_id) || id[0] != '<' ||
        id[n - 1] != '>' || !memchr(id, '@', n))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (id[i] <= ' ' || id[i] > '~' || id[i] == '<' || id[i] == '>')
            return false;
    return true;
}

int
crm_email_compose(const crm_email *m, time_t date, crm_email_composed *out, char *err,
                  size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (email_validate(m, err, errlen) != 0)
        return -1;
    char id[33], mixed[35] = "=_", alt[35] = "=_", when[40];
    email_random_hex(id, 16);
    email_random_hex(mixed + 2, 16); /* "=_" never occurs in base64 or quoted-printable */
    email_random_hex(alt + 2, 16);
    if (email_message_id_ok(m->message_id))
        snprintf(out->message_id, sizeof(out->message_id), "%s", m->message_id);
    else
        snprintf(out->message_id, sizeof(out->message_id), "<%s@%s>", id,
                 strrchr(m->from_addr, '@') + 1);
    crm_email_date(date, when, sizeof(when));

    crm_arena_t *a = crm_arena_create(1024);
    size_t guess = 2048 + strlen(m->text) * 3 + (m->html ? strlen(m->html) * 3 : 0) +
                   (m->ics ? strlen(m->ics) * 2 : 0);
    crm_buf_t *b = crm_buf_new_heap(a, guess);
    email_mailbox(b, "From", m->from_name, m->from_addr);
    crm_buf_printf(b, "To: %s\r\n", m->to);
    if (m->reply_to)
        crm_buf_printf(b, "Reply-To: %s\r\n", m->reply_to);
    email_subject(b, m->subject ? m->subject : "");
    crm_buf_printf(b, "Date: %s\r\nMessage-ID: %s\r\n", when, out->message_id);
    /* RFC 3834: a machine sent it, so auto-responders should not answer */
    crm_buf_puts(b, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
    crm_buf_printf(b, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n--%s\r\n", mixed,
                   mixed);
    if (m->html) {
        crm_buf_printf(b,
                       "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n--%s\r\n",
                       alt, alt);
        email_text_part(b, "text/plain", m->text);
        crm_buf_printf(b, "\r\n--%s\r\n", alt);
        email_text_part(b, "text/html", m->html);
        crm_buf_printf(b, "\r\n--%s--", alt);
    } else {
        email_text_part(b, "text/plain", m->text);
    }
    if (m->ics) {
        crm_buf_t *ics = email_crlf(a, m->ics);
        crm_buf_printf(b,
                       "\r\n--%s\r\n"
                       "Content-Type: text/calendar; method=%s; charset=UTF-8\r\n"
                       "Content-Disposition: attachment; filename=invite.ics\r\n"
                       "Content-Transfer-Encoding: base64\r\n\r\n",
                       mixed, m->ics_method);
        email_base64(b, (const unsigned char *)ics->data, ics->len);
    }
    crm_buf_printf(b, "\r\n--%s--\r\n", mixed);
    out->data = b->data; /* taken from the buffer, whose cleanup then frees nothing */
    out->len = b->len;
    b->data = NULL;
    crm_arena_destroy(a);
    return 0;
}

void
crm_email_composed_free(crm_email_composed *c)
{
    free(c->data);
    c->data = NULL;
    c->len = 0;
}
