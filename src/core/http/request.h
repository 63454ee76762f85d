/* request.h - one HTTP request: its arena, route match, identity, body and the reply being built */
#ifndef CRM_CORE_REQUEST_H
#define CRM_CORE_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util/arena.h"
#include "core/http/problem.h"
#include "core/http/router.h"

struct MHD_Connection;

#define CRM_REQUEST_ID_MAX       64
#define CRM_MAX_RESPONSE_HEADERS 8

typedef struct crm_header {
    const char *name;
    const char *value;
} crm_header_t;

typedef struct crm_req {
    crm_arena_t *arena;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    crm_match_t match;
    bool matched; /* match.route is valid */
    char request_id[CRM_REQUEST_ID_MAX + 1];
    uint64_t start_us;

    /* body, as received; json once parsed for CRM_ROUTE_JSON_BODY routes */
    char *body;
    size_t body_len, body_cap, body_limit;
    bool body_too_large;
    json_t *json;

    /* identity, from the verified token; NULL for public routes */
    const char *tenant_id;
    const char *user_id;
    const char *role;
    int role_id; /* crm_role_id_t, -1 without a token */
    /* the client: the peer, or behind a trusted proxy the address it forwarded (forwarded.h) */
    char client_ip[64];
    bool forwarded_https; /* a trusted proxy said the client came over https */

    /* the reply */
    bool replied; /* a reply is set (it may still be replaced until queued) */
    bool queued;  /* handed to libmicrohttpd */
    int status;
    const char *content_type;
    const char *resp_body;
    size_t resp_len;
    int resp_fd; /* >= 0: send this file (closed by the server), resp_len bytes */
    /* a streamed body: read(cls, buf, max) gives bytes, 0 at the end, -1 on error; done(cls)
     * runs once after the response (also when the client went away) */
    long (*stream_read)(void *cls, char *buf, size_t max);
    void (*stream_done)(void *cls);
    void *stream_cls;
    crm_header_t headers[CRM_MAX_RESPONSE_HEADERS];
    size_t nheaders;

    json_t *cli_query; /* query parameters of a request made by the command line (no conn) */

    /* problem details being gathered */
    crm_field_error_t *errors, *errors_tail;
    const char *problem_extra;
} crm_req_t;

/* A request in a fresh arena of arena_bytes, with its method and path (copied) and nothing
 * else: no connection, no identity (role_id -1), no reply. The server makes each one so; the
 * CLI, the tests and the fuzz targets make theirs the same way. Freed with its arena. */
crm_req_t *crm_req_new(size_t arena_bytes, const char *method, const char *path);

/* Path parameter {name} of the matched route, NUL-terminated in the arena; NULL if absent. */
const char *crm_req_param(crm_req_t *r, const char *name);
/* Query parameter or request header; NULL if absent. */
const char *crm_req_query(crm_req_t *r, const char *name);
const char *crm_req_header(crm_req_t *r, const char *name);
/* A cookie the client sent (the first of that name); NULL if absent. */
const char *crm_req_cookie(crm_req_t *r, const char *name);

/* Adds a response header; name and value must live as long as the request. */
void crm_req_add_header(crm_req_t *r, const char *name, const char *value);

void crm_reply(crm_req_t *r, int status, const char *content_type, const char *body, size_t len);
void crm_reply_json(crm_req_t *r, int status, json_t *value); /* steals the reference */
void crm_reply_fd(crm_req_t *r, int status, const char *content_type, int fd, size_t len);
/* A body of unknown length sent in chunks as read produces it; cls must not live in the
 * request's arena (done runs after the arena is gone). */
void crm_reply_stream(crm_req_t *r, int status, const char *content_type,
                      long (*read)(void *cls, char *buf, size_t max), void (*done)(void *cls),
                      void *cls);

/* Records an input error ("field", "message"); a later crm_reply_problem lists them. */
void crm_req_field_error(crm_req_t *r, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Forgets the field errors gathered after mark (r->errors_tail before; NULL: all), before
 * validating the same fields again. */
void crm_req_forget_errors(crm_req_t *r, crm_field_error_t *mark);
/* Replies with a problem+json body: status, detail, the field errors gathered so far. */
void crm_reply_problem(crm_req_t *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
