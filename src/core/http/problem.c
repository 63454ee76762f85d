/* problem.c - renders RFC 9457 problem details bodies */
#include "core/http/problem.h"

#include <string.h>

#include "core/util/buf.h"

static const struct {
    int status;
    const char *title;
} crm_titles[] = {
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {304, "Not Modified"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {422, "Unprocessable Content"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

const char *
crm_http_status_title(int status)
{
    for (size_t i = 0; i < sizeof(crm_titles) / sizeof(crm_titles[0]); i++)
        if (crm_titles[i].status == status)
            return crm_titles[i].title;
    return "Error";
}

char *
crm_problem_render(crm_arena_t *a, const crm_problem_t *p, size_t *len)
{
    crm_buf_t b;
    /* room for the extra members at once: an import's list of faults can be megabytes */
    crm_buf_init(&b, a, 1024 + (p->extra ? strlen(p->extra) : 0));
    crm_buf_puts(&b, "{\"type\":");
    crm_buf_json_string(&b, p->type ? p->type : "about:blank");
    crm_buf_puts(&b, ",\"title\":");
    crm_buf_json_string(&b, crm_http_status_title(p->status));
    crm_buf_printf(&b, ",\"status\":%d", p->status);
    if (p->detail) {
        crm_buf_puts(&b, ",\"detail\":");
        crm_buf_json_string(&b, p->detail);
    }
    if (p->instance) {
        crm_buf_puts(&b, ",\"instance\":");
        crm_buf_json_string(&b, p->instance);
    }
    if (p->request_id) {
        crm_buf_puts(&b, ",\"request_id\":");
        crm_buf_json_string(&b, p->request_id);
    }
    if (p->errors) {
        crm_buf_puts(&b, ",\"errors\":[");
        for (const crm_field_error_t *e = p->errors; e; e = e->next) {
            crm_buf_puts(&b, "{\"field\":");
            crm_buf_json_string(&b, e->field);
            crm_buf_puts(&b, ",\"message\":");
            crm_buf_json_string(&b, e->message);
            crm_buf_puts(&b, e->next ? "}," : "}");
        }
        crm_buf_putc(&b, ']');
    }
    if (p->extra && *p->extra) {
        crm_buf_putc(&b, ',');
        crm_buf_puts(&b, p->extra);
    }
    crm_buf_putc(&b, '}');
    *len = b.len;
    return b.data;
}
