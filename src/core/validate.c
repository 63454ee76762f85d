/* validate.c - reading fields of a JSON request body, recording a problem for each bad one */
#include "core/validate.h"

#include <string.h>

bool
crm_body_fields(crm_req_t *r, const char *const *known)
{
    if (!json_is_object(r->json)) {
        crm_req_field_error(r, "body", "must be a JSON object");
        crm_reply_problem(r, 422, "the request body must be a JSON object");
        return false;
    }
    const char *key;
    json_t *value;
    json_object_foreach(r->json, key, value)
    {
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++)
            ok = strcmp(*k, key) == 0;
        if (!ok)
            crm_req_field_error(r, key, "is not a field of this resource");
    }
    return true;
}

const char *
crm_field_string(crm_req_t *r, const char *name, bool required, size_t max_len)
{
    json_t *v = json_object_get(r->json, name);
    if (!v || json_is_null(v)) {
        if (required)
            crm_req_field_error(r, name, "is required");
        return NULL;
    }
    if (!json_is_string(v)) {
        crm_req_field_error(r, name, "must be a string");
        return NULL;
    }
    size_t len = json_string_length(v);
    const char *s = json_string_value(v);
    if (len == 0 || len > max_len || strlen(s) != len) {
        crm_req_field_error(r, name, "must be 1 to %zu bytes of text", max_len);
        return NULL;
    }
    return s;
}

bool
crm_field_bool(crm_req_t *r, const char *name, bool dflt)
{
    json_t *v = json_object_get(r->json, name);
    if (!v)
        return dflt;
    if (!json_is_boolean(v)) {
        crm_req_field_error(r, name, "must be true or false");
        return dflt;
    }
    return json_is_true(v);
}

bool
crm_field_present(crm_req_t *r, const char *name)
{
    return json_object_get(r->json, name) != NULL;
}

bool
crm_fields_failed(crm_req_t *r, const char *what)
{
    if (!r->errors)
        return false;
    crm_reply_problem(r, 422, "%s", what);
    return true;
}
