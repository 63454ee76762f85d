/* http.c - the HTTP server: libmicrohttpd thread pool, request life cycle, graceful shutdown.
 * libmicrohttpd calls crm_http_access several times per request: the first call creates the
 * request and its arena and checks route, query, token and headers; the middle calls receive
 * the body; the last call runs the handler and queues the response. crm_http_completed logs
 * the request and destroys its arena. */
#include "core/http/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/auth/auth.h"
#include "core/http/forwarded.h"
#include "core/util/json.h"
#include "core/util/log.h"
#include "core/http/metrics.h"
#include "core/module.h"
#include "core/util/public_url.h"
#include "core/auth/tenant_modules.h"
#include "core/http/request.h"
#include "core/http/web_app.h"
#include "core/util/uuid.h"

static struct {
    struct MHD_Daemon *daemon;
    const crm_router_t *rt;
    size_t max_body;
    size_t max_import;
    atomic_bool draining;
    atomic_bool closed; /* no request is admitted any more: the daemon is about to stop */
    atomic_long in_flight;
    crm_cidr_list_t proxies; /* CRM_TRUSTED_PROXIES */
    MHD_socket quiesced;     /* the listening socket, closed only once the daemon has stopped */
} crm_http = {.quiesced = MHD_INVALID_SOCKET};

static uint64_t
crm_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A client's request id is kept when it is short and plain: letters, digits, - _ . : */
static bool
crm_request_id_sane(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++) {
        unsigned char c = (unsigned char)id[n];
        if (n == CRM_REQUEST_ID_MAX ||
            !(isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':'))
            return false;
    }
    return n > 0;
}

/* Every value of one request header, in order, joined by commas (RFC 9110 5.3), so that a
 * client's own X-Forwarded-For line cannot hide the one its proxy added. */
typedef struct crm_header_join {
    crm_arena_t *arena;
    const char *name;
    char *joined;
} crm_header_join_t;

static enum MHD_Result
crm_header_join_one(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    crm_header_join_t *j = cls;
    if (strcasecmp(key, j->name) == 0 && value)
        j->joined = j->joined ? crm_arena_sprintf(j->arena, "%s,%s", j->joined, value)
                              : crm_arena_strdup(j->arena, value);
    return MHD_YES;
}

static const char *
crm_header_joined(crm_req_t *r, const char *name)
{
    crm_header_join_t j = {r->arena, name, NULL};
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, crm_header_join_one, &j);
    return j.joined;
}

/* The client's address (and scheme) from the peer and, behind a trusted proxy, its headers. */
static void
crm_req_client(crm_req_t *r, const char *peer)
{
    bool proxies = crm_http.proxies.n > 0;
    crm_forwarded_t f;
    crm_forwarded_resolve(&crm_http.proxies, peer,
                          proxies ? crm_header_joined(r, "X-Forwarded-For") : NULL,
                          proxies ? crm_header_joined(r, "X-Forwarded-Proto") : NULL, &f);
    snprintf(r->client_ip, sizeof(r->client_ip), "%s", f.client_ip);
    r->forwarded_https = f.https;
}

static crm_req_t *
crm_req_begin(struct MHD_Connection *conn, const char *url, const char *method)
{
    crm_req_t *r = crm_req_new(8192, method, url);
    r->conn = conn;
    r->start_us = crm_now_us();
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        const void *addr = sa->sa_family == AF_INET6
                               ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
                               : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
        char peer[INET6_ADDRSTRLEN] = "";
        inet_ntop(sa->sa_family, addr, peer, sizeof(peer));
        crm_req_client(r, peer);
    }
    const char *id = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    if (id && crm_request_id_sane(id))
        snprintf(r->request_id, sizeof(r->request_id), "%s", id);
    else
        crm_uuid_v4(r->request_id);
    crm_metrics_request_started();
    return r;
}

/* Text that reaches handlers, SQL parameters, logs and problem bodies: well-formed UTF-8 with no
 * NUL (libmicrohttpd has already decoded %XX, so "%C3" or "%00" arrive as raw bytes). */
static bool
crm_text_ok(const char *s, size_t len)
{
    return memchr(s, '\0', len) == NULL && crm_utf8_check(s, len) == CRM_UTF8_VALID;
}

static enum MHD_Result
crm_check_query_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                    const char *value, size_t value_size)
{
    (void)kind;
    crm_req_t *r = cls;
    if (!crm_text_ok(key, key_size))
        crm_req_field_error(r, "query", "a parameter name is not valid UTF-8");
    else if (!crm_route_declares_query(r->match.route, key))
        crm_req_field_error(r, crm_arena_sprintf(r->arena, "query.%s", key),
                            "unknown query parameter");
    else if (value && !crm_text_ok(value, value_size))
        crm_req_field_error(r, crm_arena_sprintf(r->arena, "query.%s", key),
                            "must be valid UTF-8 text");
    return MHD_YES;
}

/* Path parameters ({id}, {token}, ...) must be text too: 400 naming each one. */
static void
crm_check_path_params(crm_req_t *r)
{
    for (size_t i = 0; i < r->match.nparams; i++) {
        const crm_path_param_t *p = &r->match.params[i];
        if (!crm_text_ok(p->value, p->value_len))
            crm_req_field_error(r,
                                crm_arena_sprintf(r->arena, "path.%.*s", (int)p->name_len, p->name),
                                "must be valid UTF-8 text");
    }
}

/* The media type (any case), optionally with ;charset=utf-8 (any case, any spacing). */
static bool
crm_media_type_is(const char *ct, const char *type)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    size_t n = strlen(type);
    if (strncasecmp(ct, type, n) != 0)
        return false;
    const char *p = ct + n;
    while (*p == ' ')
        p++;
    if (*p == '\0')
        return true;
    if (*p++ != ';')
        return false;
    while (*p == ' ')
        p++;
    if (strncasecmp(p, "charset=", 8) != 0)
        return false;
    p += 8;
    if (*p == '"')
        p++;
    return strncasecmp(p, "utf-8", 5) == 0 && (p[5] == '\0' || p[5] == '"' || p[5] == ' ');
}

static void
crm_reply_json_expected(crm_req_t *r)
{
    crm_req_add_header(r, "Accept", "application/json");
    crm_reply_problem(r, 415, "the request body must be application/json (UTF-8)");
}

/* Everything that can be decided from the request head, before any body byte is read. */
static void
crm_http_check_head(crm_req_t *r)
{
    crm_match_result_t m = crm_router_match(crm_http.rt, r->method, r->path, &r->match);
    if (m == CRM_MATCH_NOT_FOUND && crm_web_app_claims(crm_http.rt, r->method, r->path))
        m = crm_router_match(crm_http.rt, "GET", "/", &r->match); /* the app routes it */
    if (m == CRM_MATCH_NOT_FOUND) {
        crm_reply_problem(r, 404, "no resource at this path");
        return;
    }
    if (m == CRM_MATCH_BAD_METHOD) {
        crm_req_add_header(r, "Allow", crm_arena_strdup(r->arena, r->match.allow));
        crm_reply_problem(r, 405, "%s is not allowed here; allowed: %s", r->method, r->match.allow);
        return;
    }
    r->matched = true;
    r->body_limit =
        (r->match.route->flags & CRM_ROUTE_CSV_BODY) ? crm_http.max_import : crm_http.max_body;
    const char *cl = crm_req_header(r, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > r->body_limit) {
        crm_reply_problem(r, 413, "the request body is larger than %zu bytes", r->body_limit);
        return;
    }
    bool any_query = r->match.route->flags & CRM_ROUTE_ANY_QUERY;
    if (!any_query && MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "tenant_id")) {
        crm_req_field_error(r, "query.tenant_id", "the tenant comes from the access token only");
        crm_reply_problem(r, 422, "tenant_id is not accepted in requests");
        return;
    }
    crm_check_path_params(r);
    if (r->errors) {
        crm_reply_problem(r, 400, "the path is not valid UTF-8 text");
        return;
    }
    if (!any_query)
        MHD_get_connection_values_n(r->conn, MHD_GET_ARGUMENT_KIND, crm_check_query_arg, r);
    if (r->errors) {
        crm_reply_problem(r, 400,
                          "the query parameters are not ones this resource takes, or"
                          " not valid UTF-8 text");
        return;
    }
    if (strcmp(r->match.route->permission, CRM_PERM_PUBLIC) != 0 && crm_auth_authorize(r) != 0)
        return;
    const crm_module_t *module = crm_module_of_route(r->match.index);
    if (module && r->tenant_id && !crm_tenant_module_enabled(r->tenant_id, module->name)) {
        crm_reply_problem(r, 404, "no resource at this path");
        return;
    }
    const char *ct = crm_req_header(r, "Content-Type");
    /* an optional body without a Content-Type is judged once its length is known */
    if ((r->match.route->flags & CRM_ROUTE_JSON_BODY) &&
        !(ct == NULL && (r->match.route->flags & CRM_ROUTE_BODY_OPTIONAL)) &&
        !crm_media_type_is(ct, "application/json"))
        crm_reply_json_expected(r);
    if ((r->match.route->flags & CRM_ROUTE_CSV_BODY) &&
        !crm_media_type_is(crm_req_header(r, "Content-Type"), "text/csv")) {
        crm_req_add_header(r, "Accept", "text/csv");
        crm_reply_problem(r, 415, "the request body must be text/csv (UTF-8)");
    }
}

static void
crm_http_append_body(crm_req_t *r, const char *data, size_t n)
{
    if (r->body_too_large || r->replied)
        return;
    if (r->body_len + n > r->body_limit) {
        r->body_too_large = true;
        return;
    }
    if (r->body_len + n + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 1024;
        /* first bytes: room for the length the head announced (at most the limit), so that a
         * large body is not copied again and again, each copy left in the arena */
        const char *cl = r->body_cap ? NULL : crm_req_header(r, "Content-Length");
        unsigned long long announced = cl ? strtoull(cl, NULL, 10) : 0;
        if (announced > cap && announced <= r->body_limit)
            cap = (size_t)announced + 1;
        while (cap < r->body_len + n + 1)
            cap *= 2;
        r->body = crm_arena_realloc(r->arena, r->body, r->body_cap, cap);
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
}

/* The last call: the body is complete; decode it and run the handler. */
static void
crm_http_dispatch(crm_req_t *r)
{
    if (r->body_too_large) {
        crm_reply_problem(r, 413, "the request body is larger than %zu bytes", r->body_limit);
        return;
    }
    if (r->match.route->flags & CRM_ROUTE_CSV_BODY) {
        size_t bad = crm_utf8_check(r->body ? r->body : "", r->body_len);
        if (r->body_len == 0) {
            crm_reply_problem(r, 400, "a CSV request body is required");
            return;
        }
        if (bad != CRM_UTF8_VALID) {
            r->problem_extra = crm_arena_sprintf(r->arena, "\"position\":%zu", bad);
            crm_reply_problem(r, 400, "the CSV body is not valid UTF-8 at byte %zu", bad);
            return;
        }
    }
    unsigned flags = r->match.route->flags;
    /* an optional body left out: the handler sees r->json NULL */
    if ((flags & CRM_ROUTE_JSON_BODY) && !(r->body_len == 0 && (flags & CRM_ROUTE_BODY_OPTIONAL))) {
        if (r->body_len == 0) {
            crm_reply_problem(r, 400, "a JSON request body is required");
            return;
        }
        if (!crm_req_header(r, "Content-Type")) { /* an optional body, sent without its type */
            crm_reply_json_expected(r);
            return;
        }
        crm_json_error_t je;
        r->json = crm_json_parse(r->body, r->body_len, &je);
        if (!r->json) {
            r->problem_extra = crm_arena_sprintf(r->arena,
                                                 "\"position\":%zu,\"line\":%d,"
                                                 "\"column\":%d",
                                                 je.position, je.line, je.column);
            crm_reply_problem(r, 400, "malformed JSON body at line %d, column %d (byte %zu): %s",
                              je.line, je.column, je.position, je.message);
            return;
        }
        crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, r->json);
        if (json_object_get(r->json, "tenant_id")) {
            crm_req_field_error(r, "tenant_id", "the tenant comes from the access token only");
            crm_reply_problem(r, 422, "tenant_id is not accepted in requests");
            return;
        }
    }
    r->match.route->handler(r);
    if (!r->replied) {
        crm_error("handler of %s %s replied nothing", r->match.route->method, r->match.route->path);
        crm_reply_problem(r, 500, "the server failed to answer");
    }
}

/* A streamed body handed to libmicrohttpd, which may free it after the request's arena. */
typedef struct crm_stream {
    long (*read)(void *cls, char *buf, size_t max);
    void (*done)(void *cls);
    void *cls;
} crm_stream_t;

static ssize_t
crm_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    crm_stream_t *st = cls;
    long n = st->read(st->cls, buf, max);
    if (n > 0)
        return (ssize_t)n;
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void
crm_stream_free(void *cls)
{
    crm_stream_t *st = cls;
    if (st->done)
        st->done(st->cls);
    free(st);
}

static bool
crm_req_sets_header(const crm_req_t *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return true;
    return false;
}

/* Headers every response carries unless its handler chose otherwise: nothing is cached (API
 * answers carry personal and sensitive data; cacheable ones say so themselves), nothing may
 * frame, load or run anything from it, and no Referer leaves a page of it. */
static void
crm_http_security_headers(const crm_req_t *r, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (!crm_req_sets_header(r, "Cache-Control"))
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (!crm_req_sets_header(r, "Content-Security-Policy"))
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'");
    if (crm_public_url_https()) /* served over TLS (by a proxy): browsers keep to it */
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
}

static enum MHD_Result
crm_http_queue(crm_req_t *r)
{
    struct MHD_Response *resp;
    if (r->stream_read) {
        crm_stream_t *st = crm_xmalloc(sizeof(*st));
        st->read = r->stream_read;
        st->done = r->stream_done;
        st->cls = r->stream_cls;
        r->stream_read = NULL;
        r->stream_done = NULL; /* the response owns it now */
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, crm_stream_read, st,
                                                 crm_stream_free);
        if (!resp)
            crm_stream_free(st);
    } else if (r->resp_fd >= 0) {
        resp = MHD_create_response_from_fd(r->resp_len, r->resp_fd);
        if (resp)
            r->resp_fd = -1; /* libmicrohttpd closes it now; otherwise completion does */
    } else {
        resp = MHD_create_response_from_buffer(r->resp_len, (void *)r->resp_body,
                                               MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return MHD_NO;
    if (r->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    crm_http_security_headers(r, resp);
    for (size_t i = 0; i < r->nheaders; i++)
        MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
    if (atomic_load(&crm_http.draining))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Counts a request in before looking at the door, while crm_http_quiet closes the door before
 * counting: with sequentially consistent atomics one of the two sees the other, so no request
 * is admitted after the main thread decided that nothing is in flight. */
static bool
crm_http_admit(void)
{
    atomic_fetch_add(&crm_http.in_flight, 1);
    if (!atomic_load(&crm_http.closed))
        return true;
    atomic_fetch_sub(&crm_http.in_flight, 1);
    return false;
}

static enum MHD_Result
crm_http_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                const char *version, const char *upload_data, size_t *upload_data_size,
                void **con_cls)
{
    (void)cls;
    (void)version;
    crm_req_t *r = *con_cls;
    if (!r) {
        if (!crm_http_admit())
            return MHD_NO; /* stopping: closes the connection; the request was never begun */
        r = crm_req_begin(conn, url, method);
        *con_cls = r;
        crm_http_check_head(r);
        /* A response queued now skips the body but costs the connection, so only a body
         * known to be too large is refused this early; other answers from the head wait
         * for the (discarded) body and keep the connection alive. */
        if (r->replied && r->status == 413) {
            r->queued = true;
            return crm_http_queue(r);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        crm_http_append_body(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->queued)
        return MHD_YES;
    if (!r->replied)
        crm_http_dispatch(r);
    r->queued = true;
    return crm_http_queue(r);
}

static void
crm_http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                   enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    crm_req_t *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    uint64_t duration = crm_now_us() - r->start_us;
    int status = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? r->status : 0;
    const char *route = r->matched ? r->match.route->path : "unmatched";
    crm_log_access(r->arena, r->method, route, status, duration, r->request_id, r->tenant_id,
                   r->user_id);
    crm_metrics_request_finished(r->matched ? r->match.index : CRM_METRICS_UNMATCHED, status,
                                 duration);
    if (r->resp_fd >= 0)
        close(r->resp_fd);
    if (r->stream_done) /* made but never handed to libmicrohttpd */
        r->stream_done(r->stream_cls);
    crm_arena_destroy(r->arena);
    atomic_fetch_sub(&crm_http.in_flight, 1);
}

static void
crm_http_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    crm_warn("http: %s", msg);
}

int
crm_http_start(const crm_config_t *c, const crm_router_t *rt, char *err, size_t errlen)
{
    crm_http.rt = rt;
    crm_http.max_body = (size_t)c->max_body_bytes;
    crm_http.max_import = (size_t)c->max_import_bytes;
    crm_http.proxies = c->proxies;
    atomic_store(&crm_http.draining, false);
    atomic_store(&crm_http.closed, false);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (c->listen_ipv6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)c->listen_port);
        inet_pton(AF_INET6, c->listen_host, &s6->sin6_addr);
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)c->listen_port);
        inet_pton(AF_INET, c->listen_host, &s4->sin_addr);
    }
    crm_http.daemon = MHD_start_daemon(
        flags, (uint16_t)c->listen_port, NULL, NULL, crm_http_access, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, crm_http_mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)c->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)c->max_connections_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->read_timeout_s, MHD_OPTION_NOTIFY_COMPLETED,
        crm_http_completed, NULL, MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    if (!crm_http.daemon) {
        snprintf(err, errlen, "CRM_LISTEN: cannot listen on %s (address in use or not local?)",
                 c->listen);
        return -1;
    }
    return 0;
}

int
crm_http_port(void)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(crm_http.daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? (int)info->port : -1;
}

/* libmicrohttpd's threads may still use the quiesced socket until MHD_stop_daemon (its
 * manual: close it only after), so it is closed then; shutting it down now makes Linux stop
 * listening, so new connections are refused at once instead of waiting in the backlog. */
void
crm_http_drain(void)
{
    atomic_store(&crm_http.draining, true);
    crm_http.quiesced = MHD_quiesce_daemon(crm_http.daemon);
    if (crm_http.quiesced != MHD_INVALID_SOCKET)
        shutdown(crm_http.quiesced, SHUT_RDWR);
}

bool
crm_http_draining(void)
{
    return atomic_load(&crm_http.draining);
}

bool
crm_http_quiet(void)
{
    if (atomic_load(&crm_http.in_flight) > 0)
        return false;
    atomic_store(&crm_http.closed, true);
    return atomic_load(&crm_http.in_flight) == 0;
}

long
crm_http_in_flight(void)
{
    return atomic_load(&crm_http.in_flight);
}

void
crm_http_stop(void)
{
    if (crm_http.daemon)
        MHD_stop_daemon(crm_http.daemon);
    crm_http.daemon = NULL;
    if (crm_http.quiesced != MHD_INVALID_SOCKET)
        close(crm_http.quiesced);
    crm_http.quiesced = MHD_INVALID_SOCKET;
}
