/* custom_fields.c - per-tenant custom field definitions: the API and the validation of values */
#include "crm/custom_fields.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db/listing.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/handlers.h"

/* The per-thread memory of tenants' contexts: a few slots chosen by a hash of tenant and
 * entity, fixed-size so that nothing is allocated (definitions longer than a slot are not
 * remembered: such a tenant's creates take two round trips). */
#define CRM_CONTEXT_SLOTS    16
#define CRM_CONTEXT_DEFS_MAX 4096
typedef struct crm_context_slot {
    char key[64]; /* tenant id '/' entity; empty when unused */
    char country[8];
    char defs[CRM_CONTEXT_DEFS_MAX];
} crm_context_slot_t;
static _Thread_local crm_context_slot_t crm_context_slots[CRM_CONTEXT_SLOTS];

static crm_context_slot_t *
crm_context_slot(crm_req_t *r, const char *entity, char key[64])
{
    snprintf(key, 64, "%s/%s", r->tenant_id ? r->tenant_id : "", entity);
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return &crm_context_slots[h % CRM_CONTEXT_SLOTS];
}

void
crm_entity_context_remember(crm_req_t *r, const char *entity, const char *country, const char *defs)
{
    char key[64];
    crm_context_slot_t *s = crm_context_slot(r, entity, key);
    if (strlen(country) >= sizeof(s->country) || strlen(defs) >= sizeof(s->defs)) {
        s->key[0] = '\0';
        return;
    }
    memcpy(s->key, key, sizeof(key));
    strcpy(s->country, country);
    strcpy(s->defs, defs);
}

bool
crm_entity_context(crm_req_t *r, const char *entity, bool fresh, const char **country,
                   const char **defs, bool *cached)
{
    char key[64];
    crm_context_slot_t *s = crm_context_slot(r, entity, key);
    *cached = !fresh && strcmp(s->key, key) == 0;
    if (*cached) {
        *country = crm_arena_strdup(r->arena, s->country);
        *defs = crm_arena_strdup(r->arena, s->defs);
        return true;
    }
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_entity_context, entity);
    if (crm_tx_run(tx) != 0)
        return false;
    PGresult *res = crm_tx_result(tx, i);
    if (PQntuples(res) != 1) { /* the tenant's own row is always visible to it */
        crm_reply_problem(r, 500, "the tenant's settings could not be read");
        return false;
    }
    *country = PQgetvalue(res, 0, ENTITY_CONTEXT_DEFAULT_COUNTRY);
    *defs = PQgetvalue(res, 0, ENTITY_CONTEXT_DEFS);
    crm_entity_context_remember(r, entity, *country, *defs);
    return true;
}

static bool
crm_custom_value_ok(json_t *def, json_t *v)
{
    const char *type = json_string_value(json_object_get(def, "type"));
    if (strcmp(type, "text") == 0)
        return json_is_string(v) && json_string_length(v) <= 1000;
    if (strcmp(type, "number") == 0)
        return json_is_number(v);
    if (strcmp(type, "boolean") == 0)
        return json_is_boolean(v);
    if (strcmp(type, "date") == 0)
        return json_is_string(v) && crm_valid_date(json_string_value(v), false);
    size_t i;
    json_t *opt;
    json_array_foreach(json_object_get(def, "options"), i, opt) if (json_equal(opt, v)) return true;
    return false;
}

json_t *
crm_custom_fields_check(crm_req_t *r, const char *definitions, bool creating)
{
    json_t *defs = json_loads(definitions, 0, NULL);
    json_t *values = json_object_get(r->json, "custom_fields");
    json_t *out = NULL;
    if (values && !json_is_object(values)) {
        crm_req_field_error(r, "custom_fields", "must be an object of custom field values");
        json_decref(defs);
        return NULL;
    }
    const char *name;
    json_t *v;
    json_object_foreach(values, name, v)
    {
        json_t *def = NULL;
        size_t i;
        json_t *d;
        json_array_foreach(defs, i, d) if (strcmp(json_string_value(json_object_get(d, "name")),
                                                  name) == 0) def = d;
        char *field = crm_arena_sprintf(r->arena, "custom_fields.%s", name);
        if (!def)
            crm_req_field_error(r, field, "is not a custom field defined for this tenant");
        else if (json_is_null(v) && json_is_true(json_object_get(def, "required")))
            crm_req_field_error(r, field, "is required");
        else if (!json_is_null(v) && !crm_custom_value_ok(def, v))
            crm_req_field_error(
                r, field, "must be a %s%s", json_string_value(json_object_get(def, "type")),
                strcmp(json_string_value(json_object_get(def, "type")), "select") == 0 ? " option"
                                                                                       : " value");
    }
    if (creating) {
        size_t i;
        json_t *d;
        json_array_foreach(defs, i, d)
        {
            const char *n = json_string_value(json_object_get(d, "name"));
            json_t *given = json_object_get(values, n);
            if (json_is_true(json_object_get(d, "required")) && (!given || json_is_null(given)))
                crm_req_field_error(r, crm_arena_sprintf(r->arena, "custom_fields.%s", n),
                                    "is required");
        }
    }
    if (values)
        out = json_deep_copy(values);
    json_decref(defs);
    return out;
}

/* The custom fields to store, as JSON text in the arena (NULL when absent). */
static const char *
crm_custom_fields_dump(crm_req_t *r, const char *defs, bool creating)
{
    json_t *cf = crm_custom_fields_check(r, defs, creating);
    if (!cf)
        return NULL;
    char *s = json_dumps(cf, JSON_COMPACT);
    crm_arena_cleanup(r->arena, free, s);
    json_decref(cf);
    return s;
}

bool
crm_custom_fields_remembered(crm_req_t *r, const char *entity, bool creating, const char **country,
                             const char **defs, const char **text)
{
    bool cached;
    if (!crm_entity_context(r, entity, false, country, defs, &cached))
        return false;
    crm_field_error_t *mark = r->errors_tail;
    *text = crm_custom_fields_dump(r, *defs, creating);
    if (r->errors_tail != mark && cached) {
        crm_req_forget_errors(r, mark);
        if (!crm_entity_context(r, entity, true, country, defs, &cached))
            return false;
        *text = crm_custom_fields_dump(r, *defs, creating);
    }
    return true;
}

crm_context_state_t
crm_entity_context_after(crm_req_t *r, const char *entity, PGresult *res, int col, int attempt)
{
    if (PQntuples(res) != 1) {
        crm_reply_problem(r, 500, "the tenant's settings could not be read");
        return CRM_CONTEXT_GAVE_UP;
    }
    if (strcmp(PQgetvalue(res, 0, col + CRM_CONTEXT_OK), "t") == 0)
        return CRM_CONTEXT_CURRENT;
    if (attempt >= 2) {
        crm_req_add_header(r, "Retry-After", "1");
        crm_reply_problem(r, 503, "the tenant's settings are changing; retry shortly");
        return CRM_CONTEXT_GAVE_UP;
    }
    crm_entity_context_remember(r, entity, PQgetvalue(res, 0, col + CRM_CONTEXT_COUNTRY),
                                PQgetvalue(res, 0, col + CRM_CONTEXT_DEFS));
    return CRM_CONTEXT_STALE;
}

static const char *const crm_entities[] = {"contact", "deal", "activity", NULL};

void
crm_custom_fields_list(crm_req_t *r)
{
    const char *entity = crm_req_query(r, "entity");
    bool known = !entity;
    for (const char *const *e = crm_entities; entity && *e; e++)
        known = known || strcmp(*e, entity) == 0;
    if (!known) {
        crm_req_field_error(r, "query.entity", "must be contact, deal or activity");
        crm_reply_problem(r, 400, "the filter is not valid");
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_custom_fields_list, entity);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    crm_reply(r, 200, "application/json",
              crm_arena_sprintf(r->arena, "{\"data\":%s,\"next_cursor\":null}",
                                PQgetvalue(res, 0, CUSTOM_FIELDS_LIST_DATA)),
              0);
    r->resp_len = strlen(r->resp_body);
}

void
crm_custom_fields_create(crm_req_t *r)
{
    static const char *const fields[] = {"entity",  "name",     "label", "type",
                                         "options", "required", NULL};
    static const char *const types[] = {"text", "number", "date", "boolean", "select", NULL};
    if (!crm_body_fields(r, fields))
        return;
    const char *entity = crm_field_enum(r, "entity", crm_entities, true);
    const char *name = crm_field_string(r, "name", true, 63);
    regex_t re;
    if (name && regcomp(&re, "^[a-z][a-z0-9_]{0,62}$", REG_EXTENDED | REG_NOSUB) == 0) {
        if (regexec(&re, name, 0, NULL, 0) != 0)
            crm_req_field_error(r, "name", "must be snake_case: a-z, 0-9 and _");
        regfree(&re);
    }
    const char *label = crm_field_string(r, "label", true, 100);
    const char *type = crm_field_enum(r, "type", types, true);
    bool required = crm_field_bool(r, "required", false);
    json_t *options = json_object_get(r->json, "options");
    bool is_select = type && strcmp(type, "select") == 0;
    if (is_select) {
        bool ok = json_is_array(options) && json_array_size(options) > 0 &&
                  json_array_size(options) <= 100;
        size_t i;
        json_t *o;
        json_array_foreach(options, i, o) ok =
            ok && json_is_string(o) && json_string_length(o) >= 1 && json_string_length(o) <= 100;
        if (!ok)
            crm_req_field_error(r, "options",
                                "a select needs 1 to 100 options, each 1 to 100 "
                                "characters");
    } else if (options && !json_is_null(options)) {
        crm_req_field_error(r, "options", "only a select has options");
    }
    if (crm_fields_failed(r, "the custom field is not valid"))
        return;
    const char *opts = is_select ? json_dumps(options, JSON_COMPACT) : "[]";
    if (is_select)
        crm_arena_cleanup(r->arena, free, (void *)opts);
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_custom_field_create, entity, name, label, type, opts,
                       required ? "t" : "f");
    if (crm_tx_run(tx) != 0) {
        if (crm_tx_sqlstate(tx) && strcmp(crm_tx_sqlstate(tx), "23505") == 0) {
            crm_req_field_error(r, "name", "is already a custom field of %s", entity);
            crm_reply_problem(r, 409, "a custom field with this name exists");
        }
        return;
    }
    PGresult *res = crm_tx_result(tx, i);
    crm_req_add_header(r, "Location",
                       crm_arena_sprintf(r->arena, "/api/v1/custom-fields/%s",
                                         PQgetvalue(res, 0, CUSTOM_FIELD_CREATE_ID)));
    crm_reply(r, 201, "application/json", PQgetvalue(res, 0, CUSTOM_FIELD_CREATE_J),
              (size_t)PQgetlength(res, 0, CUSTOM_FIELD_CREATE_J));
}

/* Deleting a definition leaves stored values in place; they are no longer validated or
 * accepted in new writes. */
void
crm_custom_fields_delete(crm_req_t *r)
{
    const char *id = crm_req_param(r, "id");
    if (!crm_uuid_valid(id)) {
        crm_reply_problem(r, 404, "no such custom field");
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_custom_field_delete, id);
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, i)) != 1)
        crm_reply_problem(r, 404, "no such custom field");
    else
        crm_reply(r, 204, NULL, "", 0);
}
