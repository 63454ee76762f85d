/* problem.h - RFC 9457 problem details: status titles and the application/problem+json body */
#ifndef CRM_CORE_PROBLEM_H
#define CRM_CORE_PROBLEM_H

#include <stddef.h>

#include "core/util/arena.h"

#define CRM_PROBLEM_CONTENT_TYPE "application/problem+json"

typedef struct crm_field_error {
    struct crm_field_error *next;
    const char *field;   /* JSON pointer-ish name of the input at fault: "email", "query.limit" */
    const char *message; /* what is wrong with it */
} crm_field_error_t;

typedef struct crm_problem {
    int status;
    const char *type;     /* NULL: "about:blank" (the title is then the status phrase) */
    const char *detail;   /* human-readable explanation of this occurrence */
    const char *instance; /* the request path */
    const char *request_id;
    const crm_field_error_t *errors;
    const char *extra; /* more members, already JSON: "\"position\":12" (no leading comma) */
} crm_problem_t;

/* The reason phrase of an HTTP status ("Not Found"); "Error" for unknown ones. */
const char *crm_http_status_title(int status);

/* Renders the problem as a JSON object in the arena; *len gets its length. */
char *crm_problem_render(crm_arena_t *a, const crm_problem_t *p, size_t *len);

#endif
