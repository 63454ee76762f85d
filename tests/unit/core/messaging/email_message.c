/* email_message.c - unit tests of src/core/messaging/email_message.c: headers, parts,
 * encoded-words, line lengths, refused CR/LF, the iCalendar part */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/messaging/email_message.h"

/* 2026-12-05 08:41:38 UTC, a Saturday */
#define WHEN ((time_t)1796460098)

static const char ICS[] = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//crm//test//EN\n"
                          "METHOD:REQUEST\nBEGIN:VEVENT\nUID:appt-1@clinic.example\n"
                          "SEQUENCE:2\nDTSTART:20261206T090000Z\nSUMMARY:Check-up\n"
                          "END:VEVENT\nEND:VCALENDAR\n";

static crm_email
sample(void)
{
    crm_email m = {
        .from_addr = "noreply@clinic.example",
        .from_name = "Riverside Clinic",
        .reply_to = "desk@riverside.example",
        .to = "ann.smith@example.org",
        .subject = "Your appointment tomorrow",
        .text = "Hello Ann,\nsee you tomorrow at 09:00.\n",
        .html = "<p>Hello Ann,</p>\n<p>see you tomorrow at <b>09:00</b>.</p>\n",
    };
    return m;
}

static crm_email_composed
compose_ok(const crm_email *m)
{
    crm_email_composed c;
    char err[256] = "";
    int rc = crm_email_compose(m, WHEN, &c, err, sizeof(err));
    if (rc != 0)
        fail_msg("compose failed: %s", err);
    assert_non_null(c.data);
    assert_int_equal(strlen(c.data), c.len);
    return c;
}

/* The header block (up to the blank line), malloc'd. */
static char *
header_block(const crm_email_composed *c)
{
    const char *end = strstr(c->data, "\r\n\r\n");
    assert_non_null(end);
    size_t n = (size_t)(end - c->data) + 2;
    char *h = malloc(n + 1);
    memcpy(h, c->data, n);
    h[n] = '\0';
    return h;
}

/* The value of header name, unfolded (CRLF before a space or tab removed), malloc'd. */
static char *
header(const crm_email_composed *c, const char *name)
{
    char *h = header_block(c);
    char key[64];
    snprintf(key, sizeof(key), "\r\n%s: ", name);
    char *at = NULL;
    if (strncmp(h, key + 2, strlen(key) - 2) == 0)
        at = h + strlen(key) - 2;
    else if ((at = strstr(h, key)))
        at += strlen(key);
    if (!at) {
        free(h);
        return NULL;
    }
    char *v = malloc(strlen(at) + 1);
    size_t n = 0;
    for (const char *p = at; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n') {
            if (p[2] != ' ' && p[2] != '\t')
                break;
            p++;
            continue;
        }
        v[n++] = *p;
    }
    v[n] = '\0';
    free(h);
    return v;
}

/* Every line ends in CRLF, none is longer than its limit: 78 in the headers, 76 after. */
static void
assert_lines(const crm_email_composed *c)
{
    const char *body = strstr(c->data, "\r\n\r\n");
    assert_non_null(body);
    const char *line = c->data;
    while (*line) {
        const char *eol = strstr(line, "\r\n");
        assert_non_null(eol); /* the message ends in CRLF */
        for (const char *p = line; p < eol; p++)
            assert_true(*p != '\r' && *p != '\n'); /* no bare CR or LF */
        size_t limit = line <= body ? 78 : 76;
        if ((size_t)(eol - line) > limit)
            fail_msg("line of %zu characters: %.*s", (size_t)(eol - line), (int)(eol - line), line);
        line = eol + 2;
    }
}

static int
hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
}

/* Decodes quoted-printable text (soft breaks removed, =XX decoded), malloc'd. */
static char *
qp_decode(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '=' && i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
        } else if (s[i] == '=') {
            assert_true(i + 2 < len);
            out[n++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            out[n++] = s[i];
        }
    }
    out[n] = '\0';
    return out;
}

/* The body of the part whose headers include `marker`, up to the next boundary line. */
static void
part_body(const crm_email_composed *c, const char *marker, const char **body, size_t *len)
{
    const char *at = strstr(c->data, marker);
    assert_non_null(at);
    at = strstr(at, "\r\n\r\n");
    assert_non_null(at);
    at += 4;
    const char *end = strstr(at, "\r\n--=_");
    assert_non_null(end);
    *body = at;
    *len = (size_t)(end - at);
}

/* s with each bare LF made CRLF, malloc'd. */
static char *
crlf(const char *s)
{
    char *out = malloc(strlen(s) * 2 + 1);
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '\n' && (p == s || p[-1] != '\r'))
            out[n++] = '\r';
        out[n++] = *p;
    }
    out[n] = '\0';
    return out;
}

/* Decodes a header value made of RFC 2047 B encoded-words (and folding spaces), malloc'd;
 * checks each word's length and that each holds whole UTF-8 characters. */
static char *
ew_decode(const char *v)
{
    char *out = malloc(strlen(v) + 1);
    size_t n = 0;
    const char *p = v;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        assert_memory_equal(p, "=?UTF-8?B?", 10);
        const char *end = strstr(p + 10, "?=");
        assert_non_null(end);
        assert_true(end + 2 - p <= 75); /* RFC 2047 2 */
        size_t got;
        assert_int_equal(sodium_base642bin((unsigned char *)out + n, strlen(v) - n, p + 10,
                                           (size_t)(end - p - 10), NULL, &got, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        /* whole characters: the word's bytes are UTF-8 by themselves */
        for (size_t i = n; i < n + got;) {
            unsigned char b = (unsigned char)out[i];
            size_t len = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
            assert_true(i + len <= n + got);
            i += len;
        }
        n += got;
        p = end + 2;
    }
    out[n] = '\0';
    return out;
}

static void
test_headers(void **state)
{
    (void)state;
    crm_email m = sample();
    crm_email_composed c = compose_ok(&m);
    assert_memory_equal(c.data, "From: Riverside Clinic <noreply@clinic.example>\r\n", 49);
    char *v;
    assert_string_equal((v = header(&c, "To")), "ann.smith@example.org");
    free(v);
    assert_string_equal((v = header(&c, "Reply-To")), "desk@riverside.example");
    free(v);
    assert_string_equal((v = header(&c, "Subject")), "Your appointment tomorrow");
    free(v);
    assert_string_equal((v = header(&c, "Date")), "Sat, 05 Dec 2026 08:41:38 +0000");
    free(v);
    assert_string_equal((v = header(&c, "MIME-Version")), "1.0");
    free(v);
    assert_string_equal((v = header(&c, "Auto-Submitted")), "auto-generated");
    free(v);
    v = header(&c, "Message-ID");
    assert_string_equal(v, c.message_id);
    free(v);
    /* <32 hex digits@the sender's domain> */
    assert_int_equal(strlen(c.message_id), 1 + 32 + 1 + strlen("clinic.example") + 1);
    assert_int_equal(c.message_id[0], '<');
    assert_int_equal(strspn(c.message_id + 1, "0123456789abcdef"), 32);
    assert_string_equal(c.message_id + 33, "@clinic.example>");
    v = header(&c, "Content-Type");
    assert_memory_equal(v, "multipart/mixed; boundary=\"=_", 29);
    free(v);
    assert_lines(&c);
    crm_email_composed_free(&c);

    /* no Reply-To without one; no display name: the bare address */
    m.reply_to = NULL;
    m.from_name = NULL;
    c = compose_ok(&m);
    assert_null(header(&c, "Reply-To"));
    assert_string_equal((v = header(&c, "From")), "noreply@clinic.example");
    free(v);
    crm_email_composed_free(&c);
}

static void
test_date(void **state)
{
    (void)state;
    char d[40];
    crm_email_date(0, d, sizeof(d));
    assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 +0000");
    crm_email_date((time_t)951782400, d, sizeof(d)); /* a leap day */
    assert_string_equal(d, "Tue, 29 Feb 2000 00:00:00 +0000");
}

static void
test_both_parts(void **state)
{
    (void)state;
    crm_email m = sample();
    crm_email_composed c = compose_ok(&m);
    /* multipart/mixed > multipart/alternative > text/plain, then text/html */
    const char *mixed = strstr(c.data, "Content-Type: multipart/mixed");
    const char *alt = strstr(c.data, "Content-Type: multipart/alternative");
    const char *plain = strstr(c.data, "Content-Type: text/plain; charset=UTF-8\r\n"
                                       "Content-Transfer-Encoding: quoted-printable\r\n");
    const char *html = strstr(c.data, "Content-Type: text/html; charset=UTF-8\r\n"
                                      "Content-Transfer-Encoding: quoted-printable\r\n");
    assert_true(mixed && alt && plain && html);
    assert_true(mixed < alt && alt < plain && plain < html);
    assert_null(strstr(c.data, "text/calendar"));

    const char *body;
    size_t len;
    part_body(&c, "Content-Type: text/plain", &body, &len);
    char *text = qp_decode(body, len), *want = crlf(m.text);
    assert_string_equal(text, want);
    free(text);
    free(want);
    part_body(&c, "Content-Type: text/html", &body, &len);
    text = qp_decode(body, len);
    want = crlf(m.html);
    assert_string_equal(text, want);
    free(text);
    free(want);

    /* the boundaries close: the alternative's, then the mixed one's as the last line */
    char *ct = header(&c, "Content-Type");
    char mixed_b[64];
    assert_int_equal(sscanf(ct, "multipart/mixed; boundary=\"%63[^\"]\"", mixed_b), 1);
    free(ct);
    char close[160];
    snprintf(close, sizeof(close), "\r\n--%s--\r\n", mixed_b);
    assert_string_equal(c.data + c.len - strlen(close), close);
    const char *alt_b = strstr(alt, "boundary=\"") + 10;
    snprintf(close, sizeof(close), "\r\n--%.*s--\r\n--%s\r\n", 34, alt_b, mixed_b);
    assert_null(strstr(c.data, close)); /* no ICS: nothing after the alternative */
    snprintf(close, sizeof(close), "\r\n--%.*s--\r\n--%s--\r\n", 34, alt_b, mixed_b);
    assert_non_null(strstr(c.data, close));
    crm_email_composed_free(&c);

    /* text only: no alternative */
    m.html = NULL;
    c = compose_ok(&m);
    assert_null(strstr(c.data, "multipart/alternative"));
    assert_null(strstr(c.data, "text/html"));
    assert_non_null(strstr(c.data, "text/plain"));
    crm_email_composed_free(&c);
}

static void
test_encoded_words(void **state)
{
    (void)state;
    crm_email m = sample();
    m.subject = "Rappel : rendez-vous à 14 h 30 avec le Dr Hélène Lefèvre — « Cabinet "
                "Saint-Étienne » 日本語のテキスト 🦷🦷🦷";
    m.from_name = "Clinique Sainte-Hélène";
    crm_email_composed c = compose_ok(&m);
    char *v = header(&c, "Subject");
    assert_memory_equal(v, "=?UTF-8?B?", 10);
    char *decoded = ew_decode(v);
    assert_string_equal(decoded, m.subject);
    free(decoded);
    free(v);
    v = header(&c, "From");
    char *lt = strstr(v, " <noreply@clinic.example>");
    assert_non_null(lt);
    assert_string_equal(lt, " <noreply@clinic.example>");
    *lt = '\0';
    decoded = ew_decode(v);
    assert_string_equal(decoded, m.from_name);
    free(decoded);
    free(v);
    assert_lines(&c);
    crm_email_composed_free(&c);

    /* "=?" in a plain subject would read as an encoded-word: it is encoded itself */
    m.subject = "Price =?x?= list";
    c = compose_ok(&m);
    v = header(&c, "Subject");
    decoded = ew_decode(v);
    assert_string_equal(decoded, m.subject);
    free(decoded);
    free(v);
    crm_email_composed_free(&c);
}

static void
test_display_names(void **state)
{
    (void)state;
    static const struct {
        const char *name, *header;
    } cases[] = {
        {"Riverside Clinic", "Riverside Clinic <noreply@clinic.example>"},
        {"Dr. O'Neil, \"Bob\"", "\"Dr. O'Neil, \\\"Bob\\\"\" <noreply@clinic.example>"},
        {"<script>alert(1)</script>", "\"<script>alert(1)</script>\" <noreply@clinic.example>"},
        {"back\\slash", "\"back\\\\slash\" <noreply@clinic.example>"},
        {" padded ", "\" padded \" <noreply@clinic.example>"},
        {"Ann@Clinic", "\"Ann@Clinic\" <noreply@clinic.example>"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        crm_email m = sample();
        m.from_name = cases[i].name;
        crm_email_composed c = compose_ok(&m);
        char *v = header(&c, "From");
        assert_string_equal(v, cases[i].header);
        free(v);
        crm_email_composed_free(&c);
    }
}

static void
test_long_subject_folds(void **state)
{
    (void)state;
    crm_email m = sample();
    m.subject = "Reminder: your appointment with the physiotherapy team at the Riverside "
                "Clinic on Monday morning, please arrive ten minutes early to fill in the "
                "forms";
    crm_email_composed c = compose_ok(&m);
    char *v = header(&c, "Subject");
    assert_string_equal(v, m.subject); /* plain text, folded at spaces */
    free(v);
    const char *eol = strstr(strstr(c.data, "\r\nSubject: "), "Reminder");
    eol = strstr(eol, "\r\n");
    assert_int_equal(eol[2], ' '); /* folded onto a second line */
    assert_lines(&c);
    crm_email_composed_free(&c);

    /* a word too long for a line goes as encoded-words */
    char longword[200];
    memset(longword, 'x', sizeof(longword) - 1);
    longword[sizeof(longword) - 1] = '\0';
    m.subject = longword;
    c = compose_ok(&m);
    v = header(&c, "Subject");
    char *decoded = ew_decode(v);
    assert_string_equal(decoded, longword);
    free(decoded);
    free(v);
    assert_lines(&c);
    crm_email_composed_free(&c);
}

static void
test_body_line_lengths(void **state)
{
    (void)state;
    /* a long line of mixed text, trailing spaces, '=' signs, a leading dot, a tab, bare CR */
    char text[4096] = "";
    for (int i = 0; i < 40; i++)
        strcat(text, "Ünïcödé = ok ");
    strcat(text, "   \n.starts with a dot\nends with a tab\t\r\nplain\rcr\n\n");
    for (int i = 0; i < 120; i++)
        strcat(text, "ab");
    char html[4096] = "<p>";
    for (int i = 0; i < 60; i++)
        strcat(html, "<span class=\"x\">é</span>");
    strcat(html, "</p>");
    crm_email m = sample();
    m.text = text;
    m.html = html;
    m.ics = ICS;
    m.ics_method = "REQUEST";
    crm_email_composed c = compose_ok(&m);
    assert_lines(&c);
    const char *body;
    size_t len;
    part_body(&c, "Content-Type: text/plain", &body, &len);
    /* a line starting with a dot, and spaces or a tab ending one, are encoded */
    assert_non_null(strstr(body, "\r\n=2Estarts with a dot\r\n"));
    assert_non_null(strstr(body, "ends with a tab=09\r\n"));
    assert_non_null(strstr(body, "plain=0Dcr"));
    char *decoded = qp_decode(body, len);
    /* the text back, its LF line ends as CRLF (the bare CR kept) */
    char want[8192];
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n' && (p == text || p[-1] != '\r'))
            want[n++] = '\r';
        want[n++] = *p;
    }
    want[n] = '\0';
    assert_string_equal(decoded, want);
    free(decoded);
    part_body(&c, "Content-Type: text/html", &body, &len);
    decoded = qp_decode(body, len);
    assert_string_equal(decoded, html);
    free(decoded);
    crm_email_composed_free(&c);
}

static void
test_cr_lf_refused(void **state)
{
    (void)state;
    static const char *const fields[] = {"from_name", "subject", "to", "reply_to", "from_addr"};
    static const char *const bad[] = {"Evil\r\nBcc: victim@example.org", "Evil\nBcc: x@y.z",
                                      "Evil\rBcc: x@y.z"};
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
        for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
            crm_email m = sample();
            const char **slot = f == 0   ? &m.from_name
                                : f == 1 ? &m.subject
                                : f == 2 ? &m.to
                                : f == 3 ? &m.reply_to
                                         : &m.from_addr;
            *slot = bad[b];
            crm_email_composed c;
            char err[256] = "";
            assert_int_equal(crm_email_compose(&m, WHEN, &c, err, sizeof(err)), -1);
            assert_null(c.data);
            assert_non_null(strstr(err, fields[f]));
            assert_non_null(strstr(err, "CR or LF"));
        }
    }
    /* other control characters and broken UTF-8 are refused too */
    crm_email m = sample();
    crm_email_composed c;
    char err[256];
    m.subject = "bell\a";
    assert_int_equal(crm_email_compose(&m, WHEN, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "subject: must not contain control characters"));
    m.subject = "caf\xe9";
    assert_int_equal(crm_email_compose(&m, WHEN, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "subject: is not well-formed UTF-8"));
    m = sample();
    m.text = "caf\xe9";
    assert_int_equal(crm_email_compose(&m, WHEN, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "text:"));
    m = sample();
    m.to = "not an address";
    assert_int_equal(crm_email_compose(&m, WHEN, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "to: 'not an address' is not an email address"));
    m = sample();
    m.text = NULL;
    assert_int_equal(crm_email_compose(&m, WHEN, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "text: required"));
}

static void
check_ics(const char *method, const char *ics)
{
    crm_email m = sample();
    m.ics = ics;
    m.ics_method = method;
    crm_email_composed c = compose_ok(&m);
    char head[160];
    snprintf(head, sizeof(head),
             "Content-Type: text/calendar; method=%s; charset=UTF-8\r\n"
             "Content-Disposition: attachment; filename=invite.ics\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n",
             method);
    const char *at = strstr(c.data, head);
    assert_non_null(at);
    /* after the alternative part, inside the mixed one */
    assert_true(at > strstr(c.data, "Content-Type: text/html"));
    const char *body;
    size_t len;
    part_body(&c, head, &body, &len);
    unsigned char bin[1024];
    size_t got;
    assert_int_equal(sodium_base642bin(bin, sizeof(bin) - 1, body, len, "\r\n", &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    bin[got] = '\0';
    char *want = crlf(ics); /* iCalendar lines end in CRLF */
    assert_string_equal((char *)bin, want);
    free(want);
    assert_lines(&c);
    crm_email_composed_free(&c);
}

static void
test_ics_part(void **state)
{
    (void)state;
    check_ics("REQUEST", ICS);
    check_ics("CANCEL", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:CANCEL\r\nBEGIN:VEVENT\r\n"
                        "UID:appt-1@clinic.example\r\nSEQUENCE:3\r\nSTATUS:CANCELLED\r\n"
                        "END:VEVENT\r\nEND:VCALENDAR\r\n");
    crm_email m = sample();
    crm_email_composed c;
    char err[256];
    m.ics = ICS;
    m.ics_method = "PUBLISH";
    assert_int_equal(crm_email_compose(&m, WHEN, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "ics_method: must be REQUEST or CANCEL");
    m.ics_method = NULL;
    assert_int_equal(crm_email_compose(&m, WHEN, &c, err, sizeof(err)), -1);
    m.ics_method = "CANCEL"; /* the VCALENDAR says REQUEST */
    assert_int_equal(crm_email_compose(&m, WHEN, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "ics: must hold the line METHOD:CANCEL");
    m.ics = "hello";
    assert_int_equal(crm_email_compose(&m, WHEN, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "ics: must be a VCALENDAR");
}

static void
test_random_ids_and_boundaries(void **state)
{
    (void)state;
    crm_email m = sample();
    crm_email_composed a = compose_ok(&m), b = compose_ok(&m);
    assert_string_not_equal(a.message_id, b.message_id);
    char *ca = header(&a, "Content-Type"), *cb = header(&b, "Content-Type");
    assert_string_not_equal(ca, cb);
    free(ca);
    free(cb);
    crm_email_composed_free(&a);
    crm_email_composed_free(&b);
    /* a sender domain too long for the Message-ID to fit the outbox's provider id */
    char from[160] = "noreply@";
    for (int i = 0; i < 10; i++)
        strcat(from, "abcdefghi.");
    strcat(from, "example");
    m.from_addr = from;
    char err[256];
    assert_int_equal(crm_email_compose(&m, WHEN, &a, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "from_addr: the domain is longer than 90 characters"));
}

static void
test_address_check(void **state)
{
    (void)state;
    const char *good[] = {"a@b",
                          "ann.smith@example.org",
                          "x+tag@mail.example.co.uk",
                          "o'neil@example.ie",
                          "a_b-c@sub-domain.example",
                          "noreply@localhost"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(crm_email_address_check(good[i]), 0);
    const char *bad[] = {"",
                         "plain",
                         "@example.org",
                         "ann@",
                         "ann@@example.org",
                         ".ann@example.org",
                         "ann.@example.org",
                         "an..n@example.org",
                         "ann smith@example.org",
                         "<ann@example.org>",
                         "ann@example..org",
                         "ann@-example.org",
                         "ann@example-.org",
                         "ann@exa_mple.org",
                         "ann@example.org.",
                         "ann@[127.0.0.1]",
                         "\"ann\"@example.org",
                         "ann@example.org\r\nBcc: x@y.z",
                         "jörg@example.org",
                         "ann@exämple.org",
                         "ann,bob@example.org"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (crm_email_address_check(bad[i]) != -1)
            fail_msg("accepted '%s'", bad[i]);
    char local[80];
    memset(local, 'a', 65);
    strcpy(local + 65, "@x.org");
    assert_int_equal(crm_email_address_check(local), -1); /* local part over 64 */
}

int
main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers),           cmocka_unit_test(test_date),
        cmocka_unit_test(test_both_parts),        cmocka_unit_test(test_encoded_words),
        cmocka_unit_test(test_display_names),     cmocka_unit_test(test_long_subject_folds),
        cmocka_unit_test(test_body_line_lengths), cmocka_unit_test(test_cr_lf_refused),
        cmocka_unit_test(test_ics_part),          cmocka_unit_test(test_random_ids_and_boundaries),
        cmocka_unit_test(test_address_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
