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

static const crm_stmt_t clinic_stmt_practitioner = {
    "clinic.practitioner",
    "SELECT 1 FROM clinic_practitioners WHERE tenant_id = current_tenant_id()"
    " AND id = $1"};
static const crm_stmt_t clinic_stmt_schedule_get = {
    "clinic.schedule_get",
    "SELECT json_build_object('practitioner_id', $1::uuid, 'weekly', coalesce(json_agg("
    " json_build_object('weekday', weekday, 'start', to_char(start_time, 'HH24:MI'),"
    " 'end', CASE WHEN end_time = '24:00' THEN '24:00' ELSE to_char(end_time, 'HH24:MI') END)"
    " ORDER BY weekday, start_time), '[]')) FROM clinic_schedules"
    " WHERE tenant_id = current_tenant_id() AND practitioner_id = $1"};
static const crm_stmt_t clinic_stmt_schedule_clear = {
    "clinic.schedule_clear", "DELETE FROM clinic_schedules WHERE tenant_id = current_tenant_id()"
                             " AND practitioner_id = $1"};
static const crm_stmt_t clinic_stmt_schedule_set = {
    "clinic.schedule_set",
    "INSERT INTO clinic_schedules (tenant_id, practitioner_id, weekday, start_time, end_time)"
    " SELECT current_tenant_id(), $1, (e ->> 'weekday')::int, (e ->> 'start')::time,"
    " (e ->> 'end')::time FROM jsonb_array_elements($2::jsonb) e"};

/* Runs stmt (after checking {id} is a practitioner) and answers the schedule. */
static void
clinic_schedule_answer(crm_req_t *r, const char *id, const char *weekly)
{
    crm_tx_t *tx = crm_tx_new(r);
    int p = crm_tx_add(tx, &clinic_stmt_practitioner, 1, (const char *[]){id});
    if (weekly) {
        crm_tx_add(tx, &clinic_stmt_schedule_clear, 1, (const char *[]){id});
        crm_tx_add(tx, &clinic_stmt_schedule_set, 2, (const char *[]){id, weekly});
    }
    int g = crm_tx_add(tx, &clinic_stmt_schedule_get, 1, (const char *[]){id});
    if (crm_tx_run(tx) != 0) {
        if (crm_tx_sqlstate(tx) && !strcmp(crm_tx_sqlstate(tx), "23503")) {
            r->errors = NULL;
            crm_reply_problem(r, 404, "no such practitioner");
        }
        return;
    }
    if (PQntuples(crm_tx_result(tx, p)) != 1) {
        crm_reply_problem(r, 404, "no such practitioner");
        return;
    }
    PGresult *res = crm_tx_result(tx, g);
    crm_reply(r, 200, "application/json", PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
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

#define CLINIC_EXCEPTION_JSON                                                                      \
    "json_build_object('id', e.id, 'practitioner_id', e.practitioner_id, 'date', e.date,"          \
    " 'kind', e.kind, 'start', to_char(e.start_time, 'HH24:MI'), 'end',"                           \
    " to_char(e.end_time, 'HH24:MI'), 'reason', e.reason)"

static const crm_stmt_t clinic_stmt_exception_add = {
    "clinic.exception_add",
    "INSERT INTO clinic_schedule_exceptions AS e (tenant_id, practitioner_id, date, kind,"
    " start_time, end_time, reason)"
    " SELECT current_tenant_id(), u.id, $2::date, $3, $4::time, $5::time, $6 FROM users u"
    " WHERE u.tenant_id = current_tenant_id() AND u.id = $1 AND EXISTS (SELECT 1"
    "   FROM clinic_practitioners p WHERE p.tenant_id = u.tenant_id AND p.id = u.id)"
    " RETURNING " CLINIC_EXCEPTION_JSON ", e.id"};

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
    int i = crm_tx_add(tx, &clinic_stmt_exception_add, 6,
                       (const char *[]){id, date, kind, start, end, reason});
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
                                         id, PQgetvalue(res, 0, 1)));
    crm_reply(r, 201, "application/json", PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

static const crm_stmt_t clinic_stmt_exceptions = {
    "clinic.exceptions",
    "SELECT coalesce(json_agg(" CLINIC_EXCEPTION_JSON " ORDER BY e.date, e.start_time), '[]')"
    " FROM clinic_schedule_exceptions e WHERE e.tenant_id = current_tenant_id()"
    " AND e.practitioner_id = $1"};

void
clinic_exceptions_list(crm_req_t *r)
{
    const char *id = crm_record_id(r, "practitioner");
    if (!id)
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int p = crm_tx_add(tx, &clinic_stmt_practitioner, 1, (const char *[]){id});
    int i = crm_tx_add(tx, &clinic_stmt_exceptions, 1, (const char *[]){id});
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, p)) != 1) {
        crm_reply_problem(r, 404, "no such practitioner");
        return;
    }
    const char *body = crm_arena_sprintf(r->arena, "{\"data\":%s,\"next_cursor\":null}",
                                         PQgetvalue(crm_tx_result(tx, i), 0, 0));
    crm_reply(r, 200, "application/json", body, strlen(body));
}

static const crm_stmt_t clinic_stmt_exception_delete = {
    "clinic.exception_delete",
    "DELETE FROM clinic_schedule_exceptions WHERE tenant_id = current_tenant_id()"
    " AND practitioner_id = $1 AND id = $2 RETURNING id"};

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
    int i = crm_tx_add(tx, &clinic_stmt_exception_delete, 2, (const char *[]){id, ex});
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, i)) != 1)
        crm_reply_problem(r, 404, "no such exception");
    else
        crm_reply(r, 204, NULL, "", 0);
}

/* Times in the answer carry the offset in force on their date: the transaction's time zone
 * is the tenant's. */
static const crm_stmt_t clinic_stmt_tenant_zone = {
    "clinic.tenant_zone", "SELECT set_config('TimeZone', (SELECT time_zone FROM tenants WHERE id ="
                          " current_tenant_id()), true)"};
/* Working time minus busy time, as slots; the working time is MATERIALIZED (inlined, the
 * function ran once per reference to it). */
static const crm_stmt_t clinic_stmt_availability = {
    "clinic.availability",
    "WITH q AS (SELECT $2::timestamptz AS f, least(greatest($3::timestamptz, $2::timestamptz),"
    "   $2::timestamptz + interval '31 days') AS t,"
    "   $2::timestamptz - interval '" CLINIC_MAX_DURATION "' AS lo),"
    " w AS MATERIALIZED (SELECT clinic_working_time($1::uuid, q.f, q.t) AS m FROM q),"
    " busy AS (SELECT coalesce(range_agg(tstzrange(a.starts_at, a.ends_at)),"
    "   '{}'::tstzmultirange) AS m FROM clinic_appointments a, q"
    "   WHERE a.tenant_id = current_tenant_id() AND a.practitioner_id = $1::uuid"
    "   AND a.status IN ('proposed', 'pending', 'booked', 'arrived', 'checked-in')"
    "   AND a.starts_at < q.t AND a.ends_at > q.f"
    "   AND a.starts_at > q.lo),"
    " free AS (SELECT unnest(w.m - busy.m) AS r FROM w, busy WHERE w.m IS NOT NULL),"
    " slots AS (SELECT s, s + make_interval(mins => $4::int) AS e FROM free,"
    "   generate_series(lower(free.r), upper(free.r) - make_interval(mins => $4::int),"
    "   make_interval(mins => $4::int)) s)"
    " SELECT (SELECT m IS NOT NULL FROM w), coalesce((SELECT json_agg(json_build_object("
    " 'start', to_char(s, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM'),"
    " 'end', to_char(e, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')) ORDER BY s) FROM slots), '[]')"};

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
    static const crm_stmt_t span = {"clinic.span",
                                    "SELECT $2::timestamptz > $1::timestamptz,"
                                    " $2::timestamptz - $1::timestamptz <= interval '31 days'"};
    crm_tx_t *tx = crm_tx_new(r);
    int sp = crm_tx_add(tx, &span, 2, (const char *[]){from, to});
    int p = crm_tx_add(tx, &clinic_stmt_practitioner, 1, (const char *[]){prac});
    crm_tx_add(tx, &clinic_stmt_tenant_zone, 0, NULL);
    int a = crm_tx_add(tx, &clinic_stmt_availability, 4, (const char *[]){prac, from, to, dur});
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *s = crm_tx_result(tx, sp);
    if (strcmp(PQgetvalue(s, 0, 0), "t") || strcmp(PQgetvalue(s, 0, 1), "t")) {
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
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        crm_reply_problem(r, 422, "the practitioner has no working hours (PUT their schedule)");
        return;
    }
    const char *body = crm_arena_sprintf(r->arena, "{\"slots\":%s}", PQgetvalue(res, 0, 1));
    crm_reply(r, 200, "application/json", body, strlen(body));
}
