/* request.c - accessors of a request and the helpers that build its reply */
#include "core/http/request.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/log.h"
#include "core/module.h"

crm_req_t *
crm_req_new(size_t arena_bytes, const char *method, const char *path)
{
    crm_arena_t *a = crm_arena_create(arena_bytes);
    crm_req_t *r = crm_arena_calloc(a, sizeof(*r));
    r->arena = a;
    r->method = crm_arena_strdup(a, method);
    r->path = crm_arena_strdup(a, path);
    r->resp_fd = -1;
    r->role_id = -1;
    return r;
}

const char *
crm_req_param(crm_req_t *r, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < r->match.nparams; i++) {
        const crm_path_param_t *p = &r->match.params[i];
        if (p->name_len == len && memcmp(p->name, name, len) == 0)
            return crm_arena_strndup(r->arena, p->value, p->value_len);
    }
    return NULL;
}

const char *
crm_req_query(crm_req_t *r, const char *name)
{
    if (!r->conn) /* a request made by the command line */
        return json_string_value(json_object_get(r->cli_query, name));
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
crm_req_header(crm_req_t *r, const char *name)
{
    if (!r->conn)
        return NULL;
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
crm_req_cookie(crm_req_t *r, const char *name)
{
    if (!r->conn)
        return NULL;
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

void
crm_req_add_header(crm_req_t *r, const char *name, const char *value)
{
    if (r->nheaders == CRM_MAX_RESPONSE_HEADERS) {
        crm_error("response header %s dropped: more than %d headers", name,
                  CRM_MAX_RESPONSE_HEADERS);
        return;
    }
    r->headers[r->nheaders].name = name;
    r->headers[r->nheaders].value = value;
    r->nheaders++;
}

void
crm_reply(crm_req_t *r, int status, const char *content_type, const char *body, size_t len)
{
    r->replied = true;
    r->status = status;
    r->content_type = content_type;
    r->resp_body = body;
    r->resp_len = len;
    r->resp_fd = -1;
    if (r->stream_done) { /* a stream replaced by another answer */
        r->stream_done(r->stream_cls);
        r->stream_done = NULL;
    }
    r->stream_read = NULL;
}

void
crm_reply_json(crm_req_t *r, int status, json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(value);
    if (!text) {
        crm_reply_problem(r, 500, "the response could not be encoded");
        return;
    }
    crm_arena_cleanup(r->arena, free, text);
    crm_reply(r, status, "application/json", text, strlen(text));
}

void
crm_reply_fd(crm_req_t *r, int status, const char *content_type, int fd, size_t len)
{
    crm_reply(r, status, content_type, NULL, len);
    r->resp_fd = fd;
}

void
crm_reply_stream(crm_req_t *r, int status, const char *content_type,
                 long (*read)(void *cls, char *buf, size_t max), void (*done)(void *cls), void *cls)
{
    crm_reply(r, status, content_type, NULL, 0);
    r->stream_read = read;
    r->stream_done = done;
    r->stream_cls = cls;
}

void
crm_req_field_error(crm_req_t *r, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    crm_field_error_t *e = crm_arena_calloc(r->arena, sizeof(*e));
    e->field = crm_arena_strdup(r->arena, field);
    e->message = crm_arena_strdup(r->arena, msg);
    if (r->errors_tail)
        r->errors_tail->next = e;
    else
        r->errors = e;
    r->errors_tail = e;
}

void
crm_req_forget_errors(crm_req_t *r, crm_field_error_t *mark)
{
    if (mark)
        mark->next = NULL;
    else
        r->errors = NULL;
    r->errors_tail = mark;
}

void
crm_reply_problem(crm_req_t *r, int status, const char *fmt, ...)
{
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    if (r->matched && (r->match.route->flags & CRM_ROUTE_OWN_ERRORS)) {
        const crm_module_t *module = crm_module_of_route(r->match.index);
        if (module && module->reply_error) {
            module->reply_error(r, status, detail);
            return;
        }
    }
    crm_problem_t p = {
        .status = status,
        .detail = detail,
        .instance = r->path,
        .request_id = r->request_id,
        .errors = r->errors,
        .extra = r->problem_extra,
    };
    size_t len;
    char *body = crm_problem_render(r->arena, &p, &len);
    crm_reply(r, status, CRM_PROBLEM_CONTENT_TYPE, body, len);
}
