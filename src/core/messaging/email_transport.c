/* email_transport.c - sends composed email over SMTP with libcurl (STARTTLS, AUTH, timeouts,
 * failures classified), or writes it atomically as an .eml file when no relay is configured */
#include "core/messaging/email_transport.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/messaging/curl_global.h"
#include "core/util/arena.h"
#include "core/util/log.h"
#include "core/util/loopback.h"

#define TRANSPORT_CONNECT_TIMEOUT_S 10L
#define TRANSPORT_TIMEOUT_S         30L
#define TRANSPORT_DEFAULT_FROM      "noreply@localhost"

struct crm_email_transport {
    CURL *curl;          /* NULL: the mail folder */
    char *target;        /* the relay's URL without credentials, or the mail folder */
    char *from;          /* envelope and From address */
    char *user;          /* decoded, or NULL */
    char *password;      /* decoded, or NULL */
    char *login_options; /* ";AUTH=LOGIN" and the like, or NULL */
    char *ca_file;       /* or NULL */
    char errbuf[CURL_ERROR_SIZE];
    char reply[200]; /* the server's last refusal, for the error text */
};

static void transport_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
transport_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* The row's last_error: a sentence, cut to fit. */
static void transport_error(crm_send_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
transport_error(crm_send_result *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->error, sizeof(out->error), fmt, ap);
    va_end(ap);
}

static char *
transport_strdup(const char *s)
{
    return s ? crm_xstrdup(s) : NULL;
}

void
crm_email_transport_free(crm_email_transport *t)
{
    if (!t)
        return;
    if (t->curl)
        curl_easy_cleanup(t->curl);
    free(t->target);
    free(t->from);
    free(t->user);
    if (t->password) {
        explicit_bzero(t->password, strlen(t->password));
        free(t->password);
    }
    free(t->login_options);
    free(t->ca_file);
    free(t);
}

/* Keeps the server's last refusal, a reply line (CURLINFO_HEADER_IN) of a 4xx or 5xx code, in
 * printable ASCII: the QUIT that follows it does not replace it. */
static int
transport_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
    (void)h;
    crm_email_transport *t = arg;
    if (type != CURLINFO_HEADER_IN || size < 3 || (data[0] != '4' && data[0] != '5'))
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < size && n + 1 < sizeof(t->reply); i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\r' || c == '\n')
            break;
        t->reply[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    t->reply[n] = '\0';
    return 0;
}

/* Parses CRM_SMTP_URL into the handle's settings; -1 with err. */
static int
transport_parse_url(crm_email_transport *t, const char *url, bool *local, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *clean = NULL;
    int rc = -1;
    if (!u)
        abort();
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        transport_fail(err, errlen,
                       "CRM_SMTP_URL: expected smtp://user:password@host:port or smtps://...");
        goto done;
    }
    if (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0) {
        transport_fail(err, errlen, "CRM_SMTP_URL: the scheme must be smtp or smtps, not %s",
                       scheme);
        goto done;
    }
    static const struct {
        CURLUPart part;
        size_t offset;
    } secrets[] = {
        {CURLUPART_USER, offsetof(crm_email_transport, user)},
        {CURLUPART_PASSWORD, offsetof(crm_email_transport, password)},
        {CURLUPART_OPTIONS, offsetof(crm_email_transport, login_options)},
    };
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        char *v = NULL;
        CURLUcode got = curl_url_get(u, secrets[i].part, &v, CURLU_URLDECODE);
        if (got == CURLUE_OK) {
            *(char **)((char *)t + secrets[i].offset) = crm_xstrdup(v);
            explicit_bzero(v, strlen(v));
            curl_free(v);
        } else if (got == CURLUE_URLDECODE) {
            transport_fail(err, errlen, "CRM_SMTP_URL: the user or password decodes to a NUL");
            goto done;
        }
        curl_url_set(u, secrets[i].part, NULL, 0); /* the URL logged holds no secret */
    }
    if (curl_url_get(u, CURLUPART_URL, &clean, 0) != CURLUE_OK) {
        transport_fail(err, errlen, "CRM_SMTP_URL: cannot be rebuilt without its credentials");
        goto done;
    }
    t->target = crm_xstrdup(clean);
    /* the relay is on this machine: STARTTLS may be skipped when it is not offered */
    *local = crm_loopback_host(host, strlen(host));
    rc = 0;
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(clean);
    curl_url_cleanup(u);
    return rc;
}

static int
transport_setup_curl(crm_email_transport *t, bool local, char *err, size_t errlen)
{
    CURLcode status = crm_curl_global_init();
    if (status != CURLE_OK) {
        transport_fail(err, errlen, "libcurl failed to initialise: %s", curl_easy_strerror(status));
        return -1;
    }
    t->curl = curl_easy_init();
    if (!t->curl) {
        transport_fail(err, errlen, "libcurl: cannot make a handle");
        return -1;
    }
    CURL *h = t->curl;
    curl_easy_setopt(h, CURLOPT_URL, t->target);
    curl_easy_setopt(h, CURLOPT_USE_SSL, local ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
    if (t->user)
        curl_easy_setopt(h, CURLOPT_USERNAME, t->user);
    if (t->password)
        curl_easy_setopt(h, CURLOPT_PASSWORD, t->password);
    if (t->login_options)
        curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, t->login_options);
    if (t->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, t->ca_file);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, TRANSPORT_CONNECT_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, TRANSPORT_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, transport_debug);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, t);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L); /* for transport_debug, which prints nothing */
    return 0;
}

crm_email_transport *
crm_email_transport_new(const crm_config_t *c, char *err, size_t errlen)
{
    crm_email_transport *t = crm_xcalloc(1, sizeof(*t));
    const char *from = c->smtp_from ? c->smtp_from : c->smtp_url ? NULL : TRANSPORT_DEFAULT_FROM;
    if (!from) {
        transport_fail(err, errlen, "CRM_SMTP_FROM: required with CRM_SMTP_URL");
        goto fail;
    }
    if (crm_email_address_check(from) != 0 ||
        strlen(strrchr(from, '@') + 1) > CRM_EMAIL_MAX_FROM_DOMAIN) {
        transport_fail(err, errlen,
                       "CRM_SMTP_FROM: expected an address such as noreply@example.com "
                       "(a domain of at most %d characters), got '%s'",
                       CRM_EMAIL_MAX_FROM_DOMAIN, from);
        goto fail;
    }
    t->from = crm_xstrdup(from);
    if (!c->smtp_url) {
        t->target = crm_xstrdup(c->mail_dir ? c->mail_dir : "var/mail");
        return t;
    }
    if (c->smtp_ca_file && access(c->smtp_ca_file, R_OK) != 0) {
        transport_fail(err, errlen, "CRM_SMTP_CA_FILE: cannot read %s: %s", c->smtp_ca_file,
                       strerror(errno));
        goto fail;
    }
    t->ca_file = transport_strdup(c->smtp_ca_file);
    bool local = false;
    if (transport_parse_url(t, c->smtp_url, &local, err, errlen) != 0 ||
        transport_setup_curl(t, local, err, errlen) != 0)
        goto fail;
    return t;
fail:
    crm_email_transport_free(t);
    return NULL;
}

const char *
crm_email_transport_from(const crm_email_transport *t)
{
    return t->from;
}

const char *
crm_email_transport_target(const crm_email_transport *t)
{
    return t->target;
}

crm_send_status
crm_email_smtp_classify(int curl_code, long smtp_code, const char *curl_error)
{
    if (curl_code == CURLE_OK)
        return CRM_SEND_OK;
    if (smtp_code < 500 || smtp_code > 599)
        return CRM_SEND_RETRY; /* no connection, timeout, TLS, 4xx: another try may pass */
    if (curl_code == CURLE_LOGIN_DENIED || strncmp(curl_error, "MAIL failed", 11) == 0)
        return CRM_SEND_RETRY; /* the platform's credentials or sender: configuration */
    if (strncmp(curl_error, "RCPT failed", 11) == 0 && smtp_code == 552)
        return CRM_SEND_RETRY; /* RFC 5321 4.5.3.1.10: a 552 to RCPT is taken as 452 */
    return CRM_SEND_PERMANENT; /* the recipient or the message refused for good */
}

typedef struct transport_reader {
    const char *p;
    size_t left;
} transport_reader;

static size_t
transport_read(char *buf, size_t size, size_t nitems, void *arg)
{
    transport_reader *r = arg;
    size_t n = size * nitems < r->left ? size * nitems : r->left;
    memcpy(buf, r->p, n);
    r->p += n;
    r->left -= n;
    return n;
}

static void
transport_smtp(crm_email_transport *t, const char *to, const crm_email_composed *c,
               crm_send_result *out)
{
    CURL *h = t->curl;
    char from[300], rcpt_addr[300];
    snprintf(from, sizeof(from), "<%s>", t->from);
    snprintf(rcpt_addr, sizeof(rcpt_addr), "<%s>", to);
    struct curl_slist *rcpt = curl_slist_append(NULL, rcpt_addr);
    if (!rcpt)
        abort();
    transport_reader reader = {c->data, c->len};
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, transport_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &reader);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)c->len);
    t->errbuf[0] = '\0';
    t->reply[0] = '\0';
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt(h, CURLOPT_READDATA, NULL);
    curl_slist_free_all(rcpt);
    out->status = crm_email_smtp_classify((int)rc, code, t->errbuf);
    if (out->status == CRM_SEND_OK)
        return;
    if (code >= 400) /* a refusal; a 220 or 250 only says how far the conversation went */
        snprintf(out->error_code, sizeof(out->error_code), "%ld", code);
    const char *what = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
    if (code >= 400 && t->reply[0])
        transport_error(out, "SMTP: %s (%s)", what, t->reply);
    else
        transport_error(out, "SMTP: %s", what);
}

/* mkdir -p, mode 0700 for the folders it makes (the files hold personal data). */
static int
transport_mkdirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(path, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = saved;
            if (!saved)
                return 0;
        }
    }
}

static int
transport_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes the message as <dir>/<UTC time>-<Message-ID>.eml through a temporary file renamed
 * into place, so a reader never sees half a message. */
static void
transport_file(crm_email_transport *t, const crm_email_composed *c, time_t now,
               crm_send_result *out)
{
    const char *dir = t->target;
    struct tm tm;
    char when[32], id[128], tmp[4200], path[4300];
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
    size_t n = 0;
    for (const char *p = c->message_id; *p && n + 1 < sizeof(id); p++)
        if (*p != '<' && *p != '>')
            id[n++] = (*p == '/' ? '_' : *p);
    id[n] = '\0';
    snprintf(tmp, sizeof(tmp), "%s/.%s-XXXXXX", dir, when);
    snprintf(path, sizeof(path), "%s/%s-%s.eml", dir, when, id);
    out->status = CRM_SEND_RETRY;
    if (transport_mkdirs(dir) != 0) {
        transport_error(out, "CRM_MAIL_DIR: cannot create %s: %s", dir, strerror(errno));
        return;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        transport_error(out, "CRM_MAIL_DIR: cannot write into %s: %s", dir, strerror(errno));
        return;
    }
    if (transport_write_all(fd, c->data, c->len) != 0 || fsync(fd) != 0) {
        transport_error(out, "CRM_MAIL_DIR: writing %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        transport_error(out, "CRM_MAIL_DIR: renaming to %s: %s", path, strerror(errno));
        unlink(tmp);
        return;
    }
    out->status = CRM_SEND_OK;
    crm_info("email %s written to %s (CRM_SMTP_URL is not set)", c->message_id, path);
}

void
crm_email_transport_send(crm_email_transport *t, const crm_email *m, time_t now,
                         crm_send_result *out)
{
    memset(out, 0, sizeof(*out));
    crm_email copy = *m;
    if (!copy.from_addr)
        copy.from_addr = t->from;
    crm_email_composed c;
    if (crm_email_compose(&copy, now, &c, out->error, sizeof(out->error)) != 0) {
        out->status = CRM_SEND_PERMANENT;
        return;
    }
    snprintf(out->provider_id, sizeof(out->provider_id), "%s", c.message_id);
    if (t->curl)
        transport_smtp(t, copy.to, &c, out);
    else
        transport_file(t, &c, now, out);
    crm_email_composed_free(&c);
}
