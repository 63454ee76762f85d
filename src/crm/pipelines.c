/* pipelines.c - sales pipelines and their ordered stages (each open, won or lost) */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/db/db.h"
#include "core/http/validate.h"
#include "crm/handlers.h"
#include "crm/records.h"
#include "crm_pipelines_sql.h"

CRM_RECORD_ROW(PIPELINE_GET);

void
crm_pipelines_list(crm_req_t *r)
{
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD0(tx, crm_sql_pipelines_list);
    if (crm_tx_run(tx) != 0)
        return;
    const char *body = crm_arena_sprintf(r->arena, "{\"data\":%s,\"next_cursor\":null}",
                                         PQgetvalue(crm_tx_result(tx, i), 0, PIPELINES_LIST_DATA));
    crm_reply(r, 200, "application/json", body, strlen(body));
}

void
crm_pipelines_get(crm_req_t *r)
{
    crm_record_get(r, &crm_sql_pipeline_get, "pipeline", NULL);
}

void
crm_pipelines_create(crm_req_t *r)
{
    static const char *const fields[] = {"name", "is_default", "stages", NULL};
    if (!crm_body_fields(r, fields))
        return;
    const char *name = crm_field_string(r, "name", true, 100);
    bool is_default = crm_field_bool(r, "is_default", false);
    json_t *stages = json_object_get(r->json, "stages");
    if (!json_is_array(stages) || json_array_size(stages) < 1 || json_array_size(stages) > 30)
        crm_req_field_error(r, "stages", "must be 1 to 30 stages, in order");
    size_t i;
    json_t *st;
    bool open = false;
    json_array_foreach(stages, i, st)
    {
        json_t *n = json_object_get(st, "name"), *p = json_object_get(st, "probability");
        const char *kind = json_string_value(json_object_get(st, "kind"));
        char *at = crm_arena_sprintf(r->arena, "stages[%zu]", i);
        if (!json_is_object(st) || json_object_size(st) != 3)
            crm_req_field_error(r, at, "must be an object of name, probability and kind");
        else if (!json_is_string(n) || json_string_length(n) < 1 || json_string_length(n) > 100)
            crm_req_field_error(r, crm_arena_sprintf(r->arena, "%s.name", at),
                                "must be 1 to 100 characters");
        else if (!json_is_integer(p) || json_integer_value(p) < 0 || json_integer_value(p) > 100)
            crm_req_field_error(r, crm_arena_sprintf(r->arena, "%s.probability", at),
                                "must be an integer from 0 to 100");
        else if (!kind || (strcmp(kind, "open") && strcmp(kind, "won") && strcmp(kind, "lost")))
            crm_req_field_error(r, crm_arena_sprintf(r->arena, "%s.kind", at),
                                "must be open, won or lost");
        open = open || (kind && strcmp(kind, "open") == 0);
    }
    if (json_is_array(stages) && json_array_size(stages) && !open)
        crm_req_field_error(r, "stages", "a pipeline needs at least one open stage");
    if (crm_fields_failed(r, "the pipeline is not valid"))
        return;
    char *text = json_dumps(stages, JSON_COMPACT);
    crm_arena_cleanup(r->arena, free, text);
    crm_tx_t *tx = crm_tx_new(r);
    int c = CRM_TX_ADD(tx, crm_sql_pipeline_create, name, is_default ? "t" : "f", text);
    if (crm_tx_run(tx) != 0) {
        const char *cons = crm_tx_constraint(tx);
        if (crm_db_constraint_is(cons, "pipelines_tenant_id_name_key")) {
            crm_req_field_error(r, "name", "is the name of another pipeline");
            crm_reply_problem(r, 409, "a pipeline with this name exists");
        } else if (crm_db_constraint_is(cons, "pipeline_stages_tenant_id_pipeline_id_name_key")) {
            crm_req_field_error(r, "stages", "stage names must differ");
            crm_reply_problem(r, 422, "the pipeline is not valid");
        }
        return;
    }
    const char *id = PQgetvalue(crm_tx_result(tx, c), 0, PIPELINE_CREATE_ID);
    crm_tx_t *get = crm_tx_new(r);
    int g = CRM_TX_ADD(get, crm_sql_pipeline_get, id);
    if (crm_tx_run(get) != 0)
        return;
    crm_req_add_header(r, "Location", crm_arena_sprintf(r->arena, "/api/v1/pipelines/%s", id));
    crm_reply_record(r, 201, crm_tx_result(get, g));
}
