/* sms_twilio.c - one SMS to Twilio's Messages API (libcurl, jansson), or a line in a log file */
#include "core/messaging/sms_twilio.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/messaging/curl_global.h"
#include "core/messaging/sms_segments.h"
#include "core/util/arena.h"
#include "core/util/buf.h"
#include "core/util/loopback.h"
#include "crm_build.h"

#define CRM_SMS_CONNECT_TIMEOUT_MS 10000L
#define CRM_SMS_TIMEOUT_MS         30000L
#define CRM_SMS_MAX_ANSWER         65536 /* bytes of Twilio's answer kept; the rest is dropped */

struct crm_sms_transport {
    char *account_sid; /* NULL: log mode */
    char *auth_token;
    char *from;
    char *log_path;
    char *messages_url; /* {base}/2010-04-01/Accounts/{sid}/Messages.json */
    CURL *curl;
    struct curl_slist *headers;
    char curl_error[CURL_ERROR_SIZE];
    char last_status[32];
};

static char *
crm_sms_dup(const char *s)
{
    return s && *s ? crm_xstrdup(s) : NULL;
}

void
crm_sms_config_from(crm_sms_config *out, const crm_config_t *c)
{
    memset(out, 0, sizeof(*out));
    out->account_sid = c->twilio_account_sid;
    out->auth_token = c->twilio_auth_token;
    out->base_url = c->twilio_base_url;
    out->from = c->sms_from;
    out->log_path = c->sms_log;
}

void
crm_sms_transport_free(crm_sms_transport *t)
{
    if (!t)
        return;
    if (t->curl)
        curl_easy_cleanup(t->curl);
    curl_slist_free_all(t->headers);
    free(t->account_sid);
    free(t->auth_token);
    free(t->from);
    free(t->log_path);
    free(t->messages_url);
    free(t);
}

static crm_sms_transport *
crm_sms_fail(crm_sms_transport *t, char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    crm_sms_transport_free(t);
    return NULL;
}

static size_t
crm_sms_collect(char *data, size_t size, size_t nmemb, void *userdata)
{
    crm_buf_t *b = userdata;
    size_t n = size * nmemb;
    if (b->len < CRM_SMS_MAX_ANSWER)
        crm_buf_append(b, data, n < CRM_SMS_MAX_ANSWER - b->len ? n : CRM_SMS_MAX_ANSWER - b->len);
    return n;
}

/* The CURL handle with everything that stays the same from one message to the next. */
static int
crm_sms_curl_setup(crm_sms_transport *t, const crm_sms_config *cfg)
{
    t->curl = curl_easy_init();
    if (!t->curl)
        return -1;
    t->headers = curl_slist_append(NULL, "Accept: application/json");
    CURL *c = t->curl;
    long connect_ms =
        cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : CRM_SMS_CONNECT_TIMEOUT_MS;
    long total_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : CRM_SMS_TIMEOUT_MS;
    int bad = 0;
    bad |= curl_easy_setopt(c, CURLOPT_URL, t->messages_url) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_USERNAME, t->account_sid) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PASSWORD, t->auth_token) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, t->headers) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "crm/" CRM_VERSION) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK; /* threads: no SIGALRM */
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, crm_sms_collect) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->curl_error) != CURLE_OK;
    return bad ? -1 : 0;
}

crm_sms_transport *
crm_sms_transport_new(const crm_sms_config *cfg, char *err, size_t errlen)
{
    crm_sms_transport *t = crm_xcalloc(1, sizeof(*t));
    t->account_sid = crm_sms_dup(cfg->account_sid);
    t->auth_token = crm_sms_dup(cfg->auth_token);
    t->from = crm_sms_dup(cfg->from);
    t->log_path =
        crm_xstrdup(cfg->log_path && *cfg->log_path ? cfg->log_path : CRM_SMS_DEFAULT_LOG);
    if (!t->account_sid)
        return t;
    if (!t->auth_token)
        return crm_sms_fail(t, err, errlen,
                            "CRM_TWILIO_AUTH_TOKEN: needed with CRM_TWILIO_ACCOUNT_SID");
    size_t sid_len = strlen(t->account_sid);
    if (sid_len > 64 ||
        strspn(t->account_sid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789") != sid_len)
        return crm_sms_fail(t, err, errlen,
                            "CRM_TWILIO_ACCOUNT_SID: expected letters and digits (AC...)");
    const char *base =
        cfg->base_url && *cfg->base_url ? cfg->base_url : CRM_TWILIO_DEFAULT_BASE_URL;
    if (strncmp(base, "https://", 8) != 0 && !crm_loopback_http_url(base))
        return crm_sms_fail(t, err, errlen,
                            "CRM_TWILIO_BASE_URL: expected an https:// URL (http:// only to "
                            "localhost, 127.0.0.1 or [::1])");
    size_t base_len = strlen(base);
    while (base_len > 0 && base[base_len - 1] == '/')
        base_len--;
    static const char path[] = "/2010-04-01/Accounts/";
    static const char tail[] = "/Messages.json";
    size_t url_size = base_len + sizeof(path) + sid_len + sizeof(tail);
    t->messages_url = crm_xmalloc(url_size);
    snprintf(t->messages_url, url_size, "%.*s%s%s%s", (int)base_len, base, path, t->account_sid,
             tail);
    if (crm_curl_global_init() != CURLE_OK)
        return crm_sms_fail(t, err, errlen, "libcurl could not be initialised");
    if (crm_sms_curl_setup(t, cfg) != 0)
        return crm_sms_fail(t, err, errlen, "libcurl refused the SMS transport's options");
    return t;
}

int
crm_sms_transport_logs(const crm_sms_transport *t)
{
    return t->account_sid == NULL;
}

const char *
crm_sms_transport_log_path(const crm_sms_transport *t)
{
    return t->log_path;
}

const char *
crm_sms_last_status(const crm_sms_transport *t)
{
    return t->last_status;
}

static crm_send_status
crm_sms_result(crm_send_result *out, crm_send_status status, const char *code, const char *error)
{
    out->status = status;
    snprintf(out->error_code, sizeof(out->error_code), "%s", code ? code : "");
    snprintf(out->error, sizeof(out->error), "%s", error ? error : "");
    return status;
}

/* Twilio's code ("code" in errors, "error_code" in a message) as text: it sends a number. */
static void
crm_sms_code(json_t *v, char *out, size_t len)
{
    if (json_is_integer(v))
        snprintf(out, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_string(v))
        snprintf(out, len, "%s", json_string_value(v));
    else
        out[0] = '\0';
}

crm_send_status
crm_sms_twilio_classify(long http_status, const char *body, size_t len, crm_send_result *out,
                        char *status, size_t status_len)
{
    memset(out, 0, sizeof(*out));
    if (status_len)
        status[0] = '\0';
    json_t *j = json_loadb(body, len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        j = json_object();
    }
    char code[32], error[256];
    const char *message = json_string_value(json_object_get(j, "message"));
    crm_sms_code(json_object_get(j, "code"), code, sizeof(code));
    crm_send_status rc;
    if (http_status >= 200 && http_status < 300) {
        const char *sid = json_string_value(json_object_get(j, "sid"));
        const char *st = json_string_value(json_object_get(j, "status"));
        snprintf(out->provider_id, sizeof(out->provider_id), "%s", sid ? sid : "");
        if (status_len)
            snprintf(status, status_len, "%s", st ? st : "");
        if (st && (strcmp(st, "failed") == 0 || strcmp(st, "undelivered") == 0)) {
            const char *why = json_string_value(json_object_get(j, "error_message"));
            crm_sms_code(json_object_get(j, "error_code"), code, sizeof(code));
            snprintf(error, sizeof(error), "Twilio accepted the message as %s: %s", st,
                     why ? why : "no reason given");
            rc = crm_sms_result(out, CRM_SEND_PERMANENT, code, error);
        } else {
            rc = crm_sms_result(out, CRM_SEND_OK, NULL, sid ? NULL : "Twilio's answer had no sid");
        }
    } else {
        /* 429 and 5xx are Twilio's to recover from, and 401 (20003, the platform's
         * credentials) the operator's, as an SMTP relay refusing AUTH: the message is not at
         * fault and is tried again once it is fixed. Another 4xx is about this message. */
        int temporary =
            http_status == 429 || http_status == 401 || http_status >= 500 || http_status < 400;
        snprintf(error, sizeof(error), "HTTP %ld from Twilio: %s", http_status,
                 message ? message : "no message given");
        rc = crm_sms_result(out, temporary ? CRM_SEND_RETRY : CRM_SEND_PERMANENT, code, error);
    }
    json_decref(j);
    return rc;
}

/* Creates the log file's folders as needed (mkdir -p of its parent). */
static void
crm_sms_make_parents(const char *path)
{
    char *dir = crm_xstrdup(path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(dir, 0755);
        *p = '/';
    }
    free(dir);
}

/* Appends s to b with backslash, control characters and newlines escaped (\n, \r, \t, \xHH),
 * so that one message stays one line. */
static void
crm_sms_escape(crm_buf_t *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\\')
            crm_buf_puts(b, "\\\\");
        else if (c == '\n')
            crm_buf_puts(b, "\\n");
        else if (c == '\r')
            crm_buf_puts(b, "\\r");
        else if (c == '\t')
            crm_buf_puts(b, "\\t");
        else if (c < 0x20 || c == 0x7F)
            crm_buf_printf(b, "\\x%02x", c);
        else
            crm_buf_putc(b, (char)c);
    }
}

static crm_send_status
crm_sms_log(crm_sms_transport *t, const crm_sms_message *m, const char *from, crm_send_result *out)
{
    crm_arena_t *a = crm_arena_create(1024);
    crm_buf_t line;
    crm_buf_init(&line, a, 256);
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    crm_sms_length length = {CRM_SMS_GSM7, 0, 0};
    crm_sms_measure(m->body, strlen(m->body), &length);
    crm_buf_printf(&line, "%s from=", stamp);
    crm_sms_escape(&line, from ? from : "-");
    crm_buf_puts(&line, " to=");
    crm_sms_escape(&line, m->to);
    crm_buf_printf(&line, " segments=%zu encoding=%s body=", length.segments,
                   crm_sms_encoding_name(length.encoding));
    crm_sms_escape(&line, m->body);
    crm_buf_putc(&line, '\n');
    crm_sms_make_parents(t->log_path);
    int fd = open(t->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    ssize_t written = fd >= 0 ? write(fd, line.data, line.len) : -1;
    int saved = errno;
    if (fd >= 0)
        close(fd);
    crm_send_status rc;
    if (written == (ssize_t)line.len) {
        rc = crm_sms_result(out, CRM_SEND_OK, NULL, NULL);
    } else {
        char error[256];
        snprintf(error, sizeof(error), "cannot write the SMS log %s: %s", t->log_path,
                 written < 0 ? strerror(saved) : "short write");
        rc = crm_sms_result(out, CRM_SEND_RETRY, NULL, error);
    }
    crm_arena_destroy(a);
    return rc;
}

/* Appends name=value, percent-encoded, to the form body. */
static void
crm_sms_field(crm_buf_t *form, CURL *curl, const char *name, const char *value)
{
    char *enc = curl_easy_escape(curl, value, 0);
    if (!enc) {
        fprintf(stderr, "crm: out of memory\n");
        abort();
    }
    crm_buf_printf(form, "%s%s=%s", form->len ? "&" : "", name, enc);
    curl_free(enc);
}

static crm_send_status
crm_sms_post(crm_sms_transport *t, const crm_sms_message *m, const char *from, crm_send_result *out)
{
    crm_arena_t *a = crm_arena_create(4096);
    crm_buf_t form, answer;
    crm_buf_init(&form, a, 512);
    crm_buf_init(&answer, a, 1024);
    crm_sms_field(&form, t->curl, "To", m->to);
    crm_sms_field(&form, t->curl, "From", from);
    crm_sms_field(&form, t->curl, "Body", m->body);
    if (m->status_callback && *m->status_callback)
        crm_sms_field(&form, t->curl, "StatusCallback", m->status_callback);
    curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, form.data);
    curl_easy_setopt(t->curl, CURLOPT_POSTFIELDSIZE, (long)form.len);
    curl_easy_setopt(t->curl, CURLOPT_WRITEDATA, &answer);
    t->curl_error[0] = '\0';
    CURLcode rc = curl_easy_perform(t->curl);
    curl_easy_setopt(t->curl, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, NULL);
    crm_send_status status;
    if (rc != CURLE_OK) {
        /* Not answered: refused, unreachable, timed out, TLS failed. Twilio may yet have the
         * message (a timeout after sending), which is the at-least-once window. */
        char error[256];
        snprintf(error, sizeof(error), "cannot reach Twilio: %.200s",
                 t->curl_error[0] ? t->curl_error : curl_easy_strerror(rc));
        memset(out, 0, sizeof(*out));
        status = crm_sms_result(out, CRM_SEND_RETRY, NULL, error);
    } else {
        long http_status = 0;
        curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &http_status);
        status = crm_sms_twilio_classify(http_status, answer.data, answer.len, out, t->last_status,
                                         sizeof(t->last_status));
    }
    crm_arena_destroy(a);
    return status;
}

crm_send_status
crm_sms_send(crm_sms_transport *t, const crm_sms_message *m, crm_send_result *out)
{
    memset(out, 0, sizeof(*out));
    t->last_status[0] = '\0';
    const char *from = m->from && *m->from ? m->from : t->from;
    if (!m->to || !*m->to)
        return crm_sms_result(out, CRM_SEND_PERMANENT, NULL, "no recipient number");
    if (!m->body || !*m->body)
        return crm_sms_result(out, CRM_SEND_PERMANENT, NULL, "an empty message");
    if (!t->account_sid)
        return crm_sms_log(t, m, from, out);
    if (!from)
        return crm_sms_result(out, CRM_SEND_PERMANENT, NULL,
                              "no sender: set CRM_SMS_FROM or the tenant's sms_sender");
    return crm_sms_post(t, m, from, out);
}
