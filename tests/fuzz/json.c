/* json.c - fuzz target of the JSON body reader (src/core/json.c) and the field validators
 * (src/core/validate.c): the input is a request body. It is parsed as the server parses a
 * JSON body; a fault must be answered with a problem body that is itself valid JSON (as
 * crm_http_dispatch words it), and an object runs through the validators a handler uses. */
#include <jansson.h>

#include "core/util/arena.h"
#include "core/util/json.h"
#include "core/http/request.h"
#include "core/http/validate.h"
#include "fuzz.h"

static const char *const fuzz_fields[] = {"name",   "email",  "birth_date", "starts_at", "id",
                                          "status", "active", "notes",      "tags",      NULL};
static const char *const fuzz_statuses[] = {"booked", "arrived", "fulfilled", "cancelled", NULL};

/* The reply must be one JSON object (RFC 9457), valid UTF-8 included. */
static void
fuzz_check_problem(const crm_req_t *r, int status)
{
    FUZZ_CHECK(r->replied && r->status == status);
    json_error_t je;
    json_t *body = json_loadb(r->resp_body, r->resp_len, JSON_REJECT_DUPLICATES, &je);
    if (!body)
        fprintf(stderr, "problem body: %.*s\n(%s)\n", (int)r->resp_len, r->resp_body, je.text);
    FUZZ_CHECK(json_is_object(body));
    FUZZ_CHECK(json_integer_value(json_object_get(body, "status")) == status);
    json_decref(body);
}

static void
fuzz_validators(crm_req_t *r)
{
    if (!crm_body_fields(r, fuzz_fields)) {
        fuzz_check_problem(r, 422);
        return;
    }
    const char *s;
    if ((s = crm_field_string(r, "name", false, 200)))
        FUZZ_CHECK(strlen(s) >= 1 && strlen(s) <= 200);
    if ((s = crm_field_email(r, "email", false)))
        FUZZ_CHECK(crm_valid_email(s));
    if ((s = crm_field_date(r, "birth_date", false)))
        FUZZ_CHECK(strlen(s) == 10 && crm_valid_date(s, true));
    if ((s = crm_field_time(r, "starts_at", false)))
        FUZZ_CHECK(crm_valid_time(s));
    if ((s = crm_field_uuid(r, "id", false)))
        FUZZ_CHECK(strlen(s) == 36);
    crm_field_enum(r, "status", fuzz_statuses, false);
    crm_field_bool(r, "active", true);
    crm_field_present(r, "tags");
    crm_field_is_null(r, "notes");
    if (crm_fields_failed(r, "the body has invalid fields"))
        fuzz_check_problem(r, 422);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    crm_req_t *r = crm_req_new(4096, "POST", "/api/v1/fuzz");
    crm_json_error_t je;
    r->json = crm_json_parse((const char *)data, size, &je);
    if (!r->json) {
        FUZZ_CHECK(je.position <= size && je.line >= 1 && je.column >= 0 && je.message[0]);
        r->problem_extra = crm_arena_sprintf(r->arena, "\"position\":%zu,\"line\":%d,\"column\":%d",
                                             je.position, je.line, je.column);
        crm_reply_problem(r, 400, "malformed JSON body at line %d, column %d (byte %zu): %s",
                          je.line, je.column, je.position, je.message);
        fuzz_check_problem(r, 400);
    } else {
        crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, r->json);
        fuzz_validators(r);
    }
    crm_arena_destroy(r->arena);
    return 0;
}
