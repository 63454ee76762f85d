/* schedules.c - practitioners' weekly working hours, dated exceptions, and the free slots left
 * between them and the appointments (wall-clock times in the tenant's time zone, DST-correct) */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db/db.h"
#include "core/auth/rbac.h"
#include "core/http/request.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/records.h"
#include "modules/clinic/clinic.h"
#include "clinic_schedules_sql.h"

/* "HH:MM" with HH 00-23 (and 24:00 for the end of a day), MM 00-59. */
static bool
clinic_valid_hhmm(const char *s, bool end)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return false;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    return m < 60 && (h < 24 || (end && h == 24 && m == 0));
}

/* A practitioner changes only their own schedule; others need the permission's other roles. */
static bool
clinic_own_or_staff(crm_req_t *r, const char *practitioner)
{
    if (clinic_is_practitioner_role(r) && r->user_id && strcmp(practitioner, r->user_id)) {
        crm_reply_problem(r, 403, "practitioners change only their own schedule");
        return false;
    }
    return true;
}

/* Sets the week to weekly (a JSON array) unless NULL, after checking {id} is a practitioner,
 * and answers the schedule. */
static void
clinic_schedule_answer(crm_req_t *r, const char *id, const char *weekly)
{
    crm_tx_t *tx = crm_tx_new(r);
    int p = CRM_TX_ADD(tx, clinic_sql_practitioner, id);
    if (weekly) {
        CRM_TX_ADD(tx, clinic_sql_schedule_clear, id);
        CRM_TX_ADD(tx, clinic_sql_schedule_set, id, weekly);
    }
    int g = CRM_TX_ADD(tx, clinic_sql_schedule_get, id);
    if (crm_tx_run(tx) != 0) {
        if (crm_tx_sqlstate(tx) && !strcmp(crm_tx_sqlstate(tx), "23503")) {
            crm_req_forget_errors(r, NULL);
            crm_reply_problem(r, 404, "no such practitioner");
        }
        return;
    }
    if (PQntuples(crm_tx_result(tx, p)) != 1) {
        crm_reply_problem(r, 404, "no such practitioner");
        return;
    }
    PGresult *res = crm_tx_result(tx, g);
    crm_reply(r, 200, "application/json", PQgetvalue(res, 0, CLINIC_SCHEDULE_GET_SCHEDULE),
              (size_t)PQgetlength(res, 0, CLINIC_SCHEDULE_GET_SCHEDULE));
}

void
clinic_schedule_get(crm_req_t *r)
{
    const char *id = crm_record_id(r, "practitioner");
    if (id)
        clinic_schedule_answer(r, id, NULL);
}

/* PUT {"weekly": [{"weekday": 1-7, "start": "HH:MM", "end": "HH:MM"}, ...]}: replaces the
 * week; several rows on one weekday make breaks; rows of a day must not overlap. */
void
clinic_schedule_put(crm_req_t *r)
{
    static const char *const fields[] = {"weekly", NULL};
    const char *id = crm_record_id(r, "practitioner");
    if (!id || !crm_body_fields(r, fields) || !clinic_own_or_staff(r, id))
        return;
    json_t *weekly = json_object_get(r->json, "weekly");
    if (!json_is_array(weekly) || json_array_size(weekly) > 70)
        crm_req_field_error(r, "weekly", "must be a list of at most 70 rows");
    size_t i;
    json_t *row;
    json_array_foreach(weekly, i, row)
    {
        char *at = crm_arena_sprintf(r->arena, "weekly[%zu]", i);
        json_t *wd = json_object_get(row, "weekday");
        const char *start = json_string_value(json_object_get(row, "start"));
        const char *end = json_string_value(json_object_get(row, "end"));
        if (!json_is_object(row) || json_object_size(row) != 3 || !json_is_integer(wd) ||
            json_integer_value(wd) < 1 || json_integer_value(wd) > 7)
            crm_req_field_error(r, at, "must be {weekday: 1-7 (Monday = 1), start, end}");
        else if (!clinic_valid_hhmm(start, false) || !clinic_valid_hhmm(end, true) ||
                 strcmp(end, start) <= 0)
            crm_req_field_error(r, at, "start and end must be HH:MM with end after start");
        else {
            for (size_t k = 0; k < i; k++) {
                json_t *o = json_array_get(weekly, k);
                const char *os = json_string_value(json_object_get(o, "start"));
                const char *oe = json_string_value(json_object_get(o, "end"));
                if (json_integer_value(json_object_get(o, "weekday")) == json_integer_value(wd) &&
                    os && oe && strcmp(start, oe) < 0 && strcmp(os, end) < 0)
                    crm_req_field_error(r, at, "overlaps weekly[%zu]", k);
            }
        }
    }
    if (crm_fields_failed(r, "the schedule is not valid"))
        return;
    char *text = json_dumps(weekly, JSON_COMPACT);
    crm_arena_cleanup(r->arena, free, text);
    clinic_schedule_answer(r, id, text);
}

void
clinic_exceptions_create(crm_req_t *r)
{
    static const char *const fields[] = {"date", "kind", "start", "end", "reason", NULL};
    static const char *const kinds[] = {"off", "extra", NULL};
    const char *id = crm_record_id(r, "practitioner");
    if (!id || !crm_body_fields(r, fields) || !clinic_own_or_staff(r, id))
        return;
    const char *date = crm_field_string(r, "date", true, 10);
    if (date && !crm_valid_date(date, false))
        crm_req_field_error(r, "date", "must be a date YYYY-MM-DD");
    const char *kind = crm_field_enum(r, "kind", kinds, true);
    const char *start = crm_field_string(r, "start", false, 5);
    const char *end = crm_field_string(r, "end", false, 5);
    if ((start && !clinic_valid_hhmm(start, false)) || (end && !clinic_valid_hhmm(end, true)) ||
        (!start != !end) || (start && end && strcmp(end, start) <= 0))
        crm_req_field_error(r, "end", "start and end go together, as HH:MM, end after start");
    if (kind && !strcmp(kind, "extra") && !start)
        crm_req_field_error(r, "start", "extra hours need start and end");
    const char *reason = crm_field_string(r, "reason", false, 500);
    if (crm_fields_failed(r, "the exception is not valid"))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, clinic_sql_exception_add, id, date, kind, start, end, reason);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    if (PQntuples(res) != 1) {
        crm_reply_problem(r, 404, "no such practitioner");
        return;
    }
    crm_req_add_header(r, "Location",
                       crm_arena_sprintf(r->arena,
                                         "/api/v1/practitioners/%s/schedule/"
                                         "exceptions/%s",
                                         id, PQgetvalue(res, 0, CLINIC_EXCEPTION_ADD_ID)));
    crm_reply(r, 201, "application/json", PQgetvalue(res, 0, CLINIC_EXCEPTION_ADD_J),
              (size_t)PQgetlength(res, 0, CLINIC_EXCEPTION_ADD_J));
}

void
clinic_exceptions_list(crm_req_t *r)
{
    const char *id = crm_record_id(r, "practitioner");
    if (!id)
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int p = CRM_TX_ADD(tx, clinic_sql_practitioner, id);
    int i = CRM_TX_ADD(tx, clinic_sql_exceptions, id);
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, p)) != 1) {
        crm_reply_problem(r, 404, "no such practitioner");
        return;
    }
    const char *body =
        crm_arena_sprintf(r->arena, "{\"data\":%s,\"next_cursor\":null}",
                          PQgetvalue(crm_tx_result(tx, i), 0, CLINIC_EXCEPTIONS_DATA));
    crm_reply(r, 200, "application/json", body, strlen(body));
}

void
clinic_exceptions_delete(crm_req_t *r)
{
    const char *id = crm_record_id(r, "practitioner");
    const char *ex = crm_req_param(r, "exception_id");
    if (!id || !clinic_own_or_staff(r, id))
        return;
    if (!ex || !crm_uuid_valid(ex)) {
        crm_reply_problem(r, 404, "no such exception");
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, clinic_sql_exception_delete, id, ex);
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, i)) != 1)
        crm_reply_problem(r, 404, "no such exception");
    else
        crm_reply(r, 204, NULL, "", 0);
}

/* GET /api/v1/availability?practitioner_id=&from=&to=&duration_minutes= (at most 31 days). */
void
clinic_availability(crm_req_t *r)
{
    const char *prac = crm_req_query(r, "practitioner_id"), *from = crm_req_query(r, "from");
    const char *to = crm_req_query(r, "to"), *dur = crm_req_query(r, "duration_minutes");
    if (!prac || !crm_uuid_valid(prac))
        crm_req_field_error(r, "query.practitioner_id", "is required: a UUID");
    if (!from || !crm_valid_time(from))
        crm_req_field_error(r, "query.from", "is required: an RFC 3339 time with offset");
    if (!to || !crm_valid_time(to))
        crm_req_field_error(r, "query.to", "is required: an RFC 3339 time with offset");
    char *end;
    long minutes = dur ? strtol(dur, &end, 10) : 0;
    if (!dur || *end || minutes < 5 || minutes > CLINIC_MAX_MINUTES)
        crm_req_field_error(r, "query.duration_minutes", "is required: 5 to 720");
    if (r->errors) {
        crm_reply_problem(r, 400, "the availability query is not valid");
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    int sp = CRM_TX_ADD(tx, clinic_sql_span, from, to);
    int p = CRM_TX_ADD(tx, clinic_sql_practitioner, prac);
    CRM_TX_ADD0(tx, clinic_sql_tenant_zone); /* slot times with the tenant's offsets */
    int a = CRM_TX_ADD(tx, clinic_sql_availability, prac, from, to, dur);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *s = crm_tx_result(tx, sp);
    if (strcmp(PQgetvalue(s, 0, CLINIC_SPAN_AFTER), "t") ||
        strcmp(PQgetvalue(s, 0, CLINIC_SPAN_WITHIN), "t")) {
        crm_req_field_error(r, "query.to", "must be after from, at most 31 days later");
        crm_reply_problem(r, 400, "the availability query is not valid");
        return;
    }
    if (PQntuples(crm_tx_result(tx, p)) != 1) {
        crm_req_field_error(r, "query.practitioner_id", "is not a practitioner of this tenant");
        crm_reply_problem(r, 422, "the availability query is not valid");
        return;
    }
    PGresult *res = crm_tx_result(tx, a);
    if (strcmp(PQgetvalue(res, 0, CLINIC_AVAILABILITY_HAS_HOURS), "t") != 0) {
        crm_reply_problem(r, 422, "the practitioner has no working hours (PUT their schedule)");
        return;
    }
    const char *body = crm_arena_sprintf(r->arena, "{\"slots\":%s}",
                                         PQgetvalue(res, 0, CLINIC_AVAILABILITY_SLOTS));
    crm_reply(r, 200, "application/json", body, strlen(body));
}
