/* appointments.c - the clinic's appointments: book, read, list, reschedule and move through the
 * status life cycle; double booking refused by the database (exclusion constraints), clinical
 * notes shown only to who may read them */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db/db.h"
#include "core/db/idempotency.h"
#include "core/db/listing.h"
#include "core/util/log.h"
#include "core/auth/rbac.h"
#include "core/http/request.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/records.h"
#include "modules/clinic/clinic.h"
#include "modules/clinic/transitions.h"

/* Notes appear when the transaction's app.notes is 'all', or 'own' and the appointment is the
 * caller's (clinic_notes_scope sets it); patient_id only for roles with clinic.patients.read. */
#define CLINIC_JSON                                                                                \
    "(jsonb_build_object('id', a.id, 'tenant_id', a.tenant_id,"                                    \
    " 'practitioner_id', a.practitioner_id, 'practitioner_name', a.practitioner_name,"             \
    " 'appointment_time', a.starts_at, 'duration_minutes', a.duration_minutes, 'end_time',"        \
    " a.ends_at, 'status', a.status, 'appointment_type', a.appointment_type, 'reason',"            \
    " a.reason, 'location', a.location, 'room', a.room, 'cancel_reason', a.cancel_reason,"         \
    " 'source', a.source, 'overbooked', a.overbooked, 'created_at', a.created_at,"                 \
    " 'updated_at', a.updated_at, 'created_by', a.created_by, 'version', a.version)"               \
    " || CASE WHEN current_setting('app.notes', true) = 'all'"                                     \
    "   OR (current_setting('app.notes', true) = 'own' AND a.practitioner_id ="                    \
    "       nullif(current_setting('app.user_id', true), '')::uuid)"                               \
    "   THEN jsonb_build_object('notes', a.notes) ELSE '{}' END"                                   \
    " || CASE WHEN clinic_sees_patients() THEN jsonb_build_object('patient_id', a.patient_id)"     \
    "   ELSE '{}' END)"

#define CLINIC_ACTIVE "('proposed', 'pending', 'booked', 'arrived', 'checked-in')"

static const crm_stmt_t clinic_stmt_notes_scope = {"clinic.notes_scope",
                                                   "SELECT set_config('app.notes', $1, true)"};

/* Whose notes the caller may read: all (Admin), own (a practitioner), none. */
static const char *
clinic_notes_scope(crm_req_t *r)
{
    if (!crm_rbac_allows(r->role_id, "clinic.notes.read"))
        return "none";
    return clinic_is_practitioner_role(r) ? "own" : "all";
}

static crm_tx_t *
clinic_tx(crm_req_t *r)
{
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_add(tx, &clinic_stmt_notes_scope, 1, (const char *[]){clinic_notes_scope(r)});
    return tx;
}

static const char *const clinic_fields[] = {"patient_id",
                                            "practitioner_id",
                                            "appointment_time",
                                            "duration_minutes",
                                            "status",
                                            "appointment_type",
                                            "reason",
                                            "location",
                                            "room",
                                            "notes",
                                            "cancel_reason",
                                            "source",
                                            "overbook",
                                            "overbook_reason",
                                            NULL};

typedef struct clinic_in {
    const char *patient_id, *practitioner_id, *time, *duration, *status, *type, *reason;
    const char *location, *room, *notes, *cancel_reason, *source, *overbook_reason;
    bool overbook;
} clinic_in_t;

static void
clinic_read(crm_req_t *r, clinic_in_t *in, bool creating)
{
    static const char *const sources[] = {"staff", "phone", "online", NULL};
    memset(in, 0, sizeof(*in));
    in->patient_id = crm_field_uuid(r, "patient_id", creating);
    in->practitioner_id = crm_field_uuid(r, "practitioner_id", creating);
    in->time = crm_field_time(r, "appointment_time", creating);
    json_t *d = json_object_get(r->json, "duration_minutes");
    if (d && (!json_is_integer(d) || json_integer_value(d) < 5 ||
              json_integer_value(d) > CLINIC_MAX_MINUTES))
        crm_req_field_error(r, "duration_minutes", "must be a whole number from 5 to 720");
    else if (d)
        in->duration = crm_arena_sprintf(r->arena, "%lld", (long long)json_integer_value(d));
    else if (creating)
        crm_req_field_error(r, "duration_minutes", "is required");
    in->status = crm_field_string(r, "status", false, 20);
    if (in->status && !clinic_status_known(in->status)) {
        crm_req_field_error(r, "status",
                            "must be a FHIR appointment status (proposed, pending, "
                            "booked, arrived, checked-in, fulfilled, cancelled, "
                            "noshow, waitlist, entered-in-error)");
        in->status = NULL;
    } else if (in->status && creating && !clinic_status_initial(in->status)) {
        crm_req_field_error(r, "status",
                            "a new appointment is proposed, pending, booked or "
                            "waitlist");
    }
    in->type = crm_field_string(r, "appointment_type", false, 100);
    in->reason = crm_field_string(r, "reason", false, 1000);
    in->location = crm_field_string(r, "location", false, 200);
    in->room = crm_field_string(r, "room", false, 50);
    in->notes = crm_field_string(r, "notes", false, 20000);
    in->cancel_reason = crm_field_string(r, "cancel_reason", false, 500);
    in->source = crm_field_enum(r, "source", sources, false);
    in->overbook = crm_field_bool(r, "overbook", false);
    in->overbook_reason = crm_field_string(r, "overbook_reason", false, 500);
    if (in->overbook && !in->overbook_reason)
        crm_req_field_error(r, "overbook_reason", "is required to overbook");
}

/* Role rules beyond the route's permission; false after answering 403. */
static bool
clinic_allowed(crm_req_t *r, const clinic_in_t *in, const char *practitioner)
{
    if (in->overbook && !crm_rbac_allows(r->role_id, "clinic.overbook")) {
        crm_reply_problem(r, 403, "the role %s may not overbook", r->role);
        return false;
    }
    if (crm_field_present(r, "notes") && !crm_rbac_allows(r->role_id, "clinic.notes.write")) {
        crm_reply_problem(r, 403, "the role %s may not write clinical notes", r->role);
        return false;
    }
    if (clinic_is_practitioner_role(r) && practitioner && r->user_id &&
        strcmp(practitioner, r->user_id) != 0) {
        crm_reply_problem(r, 403, "practitioners change only their own appointments");
        return false;
    }
    return true;
}

static const crm_stmt_t clinic_stmt_clash = {
    "clinic.clash",
    "SELECT a.id, a.starts_at FROM clinic_appointments a WHERE a.tenant_id = current_tenant_id()"
    " AND a.status IN " CLINIC_ACTIVE " AND NOT a.overbooked AND a.id IS DISTINCT FROM $5::uuid"
    " AND (a.practitioner_id = $1::uuid OR (a.room IS NOT NULL AND a.room = $2))"
    " AND a.starts_at < $3::timestamptz + make_interval(mins => $4::int)"
    " AND a.ends_at > $3::timestamptz"
    " AND a.starts_at > $3::timestamptz - interval '" CLINIC_MAX_DURATION "'"
    " ORDER BY a.starts_at LIMIT 1"};

/* After an exclusion violation: 409 naming the appointment in the way. */
static void
clinic_reply_clash(crm_req_t *r, const char *practitioner, const char *room, const char *time,
                   const char *duration, const char *self)
{
    crm_tx_t *tx = crm_tx_new(r);
    int i = crm_tx_add(tx, &clinic_stmt_clash, 5,
                       (const char *[]){practitioner, room, time, duration, self});
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    if (PQntuples(res) == 1)
        r->problem_extra = crm_arena_sprintf(
            r->arena, "\"conflicting_appointment_id\":\"%s\",\"appointment_time\":\"%s\"",
            PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
    crm_reply_problem(r, 409, "the practitioner or the room is already booked at that time");
}

static const crm_constraint_field_t clinic_constraints[] = {
    {"clinic_appointments_tenant_id_patient_id_fkey", "patient_id",
     "is not a contact of this tenant"},
    {"clinic_appointments_tenant_id_practitioner_id_fkey", "practitioner_id",
     "is not a practitioner of this tenant"},
};
#define CLINIC_FAULT(r, tx, what)                                                                  \
    crm_record_constraint_fault(r, tx, clinic_constraints,                                         \
                                sizeof(clinic_constraints) / sizeof(clinic_constraints[0]), what)

#define CLINIC_OUTSIDE_HOURS                                                                       \
    "is outside the practitioner's working hours (overbook to book it anyway)"

/* Booking a lead or customer makes them a patient (the trigger clinic_make_patient, clinic
 * migration 0010); the practitioner must be an active user
 * who is one of clinic_practitioners, whose name at booking time is kept; outside the working hours
 * only an overbook ($12) books. The hours check is MATERIALIZED: inlined, the function was called
 * once per reference to its result. */
/* clang-format off */
static const crm_stmt_t clinic_stmt_create = {
    "clinic.create",
    "WITH " CRM_IDEM_PRIOR("appointments", "$14") ","
    " prac AS (SELECT u.id, u.full_name FROM users u JOIN clinic_practitioners p"
    "   ON p.tenant_id = u.tenant_id AND p.id = u.id WHERE u.tenant_id = current_tenant_id()"
    "   AND u.id = $2::uuid AND u.active),"
    " live AS (SELECT id FROM contacts WHERE tenant_id = current_tenant_id()"
    "   AND id = $1::uuid AND deleted_at IS NULL),"
    " inside AS MATERIALIZED (SELECT $12::boolean OR clinic_within_hours($2::uuid,"
    "   $3::timestamptz, $3::timestamptz + make_interval(mins => $4::int)) AS ok),"
    " a AS (INSERT INTO clinic_appointments AS a (tenant_id, patient_id, practitioner_id,"
    "   practitioner_name, starts_at, duration_minutes, ends_at, status, appointment_type,"
    "   reason, location, room, notes, source, overbooked, overbook_reason, created_by)"
    "   SELECT current_tenant_id(), live.id, prac.id, prac.full_name, $3::timestamptz,"
    "   $4::int, $3::timestamptz + make_interval(mins => $4::int), coalesce($5, 'booked'),"
    "   $6, $7, $8, $9, $10, coalesce($11, 'staff'), $12::boolean, $13,"
    "   nullif(current_setting('app.user_id', true), '')::uuid"
    "   FROM prac, live WHERE NOT EXISTS (SELECT 1 FROM prior) AND (SELECT ok FROM inside)"
    "   RETURNING " CLINIC_JSON "::text AS j, a.version, a.id),"
    " " CRM_IDEM_STORE("appointments", "$14", "$15", "a")
    " SELECT (SELECT j FROM a), (SELECT version FROM a), (SELECT id FROM a), "
    CRM_IDEM_COLUMNS ", (SELECT count(*) FROM prac), (SELECT count(*) FROM live),"
    " (SELECT ok FROM inside)"};
/* clang-format on */

void
clinic_appointments_create(crm_req_t *r)
{
    if (!crm_body_fields(r, clinic_fields))
        return;
    crm_idem_t idem;
    if (!crm_idem_read(r, &idem))
        return;
    clinic_in_t in;
    clinic_read(r, &in, true);
    if (crm_fields_failed(r, "the appointment is not valid") ||
        !clinic_allowed(r, &in, in.practitioner_id))
        return;
    crm_tx_t *tx = clinic_tx(r);
    crm_idem_purge(tx, &idem);
    int i =
        crm_tx_add(tx, &clinic_stmt_create, 15,
                   (const char *[]){in.patient_id, in.practitioner_id, in.time, in.duration,
                                    in.status, in.type, in.reason, in.location, in.room, in.notes,
                                    in.source, in.overbook ? "t" : "f",
                                    in.overbook ? in.overbook_reason : NULL, idem.key, idem.hash});
    if (crm_tx_run(tx) != 0) {
        const char *state = crm_tx_sqlstate(tx);
        if (state && strcmp(state, "23P01") == 0)
            clinic_reply_clash(r, in.practitioner_id, in.room, in.time, in.duration, NULL);
        else
            CLINIC_FAULT(r, tx, "appointment");
        return;
    }
    PGresult *res = crm_tx_result(tx, i);
    if (crm_idem_replayed(r, &idem, res, 3))
        return;
    if (PQgetisnull(res, 0, 0)) {
        if (strcmp(PQgetvalue(res, 0, 6), "1") != 0)
            crm_req_field_error(r, "practitioner_id",
                                "is not an active practitioner of this "
                                "tenant");
        if (strcmp(PQgetvalue(res, 0, 7), "1") != 0)
            crm_req_field_error(r, "patient_id", "is not a contact of this tenant");
        if (!r->errors && strcmp(PQgetvalue(res, 0, 8), "t") != 0)
            crm_req_field_error(r, "appointment_time", CLINIC_OUTSIDE_HOURS);
        crm_reply_problem(r, 422, "the appointment is not valid");
        return;
    }
    if (in.overbook)
        crm_warn("security: overbooked appointment %s by user %s: %s", PQgetvalue(res, 0, 2),
                 r->user_id, in.overbook_reason);
    crm_req_add_header(
        r, "Location",
        crm_arena_sprintf(r->arena, "/api/v1/appointments/%s", PQgetvalue(res, 0, 2)));
    crm_reply_record(r, 201, res);
}

static const crm_stmt_t clinic_stmt_get = {
    "clinic.get", "SELECT " CLINIC_JSON ", a.version FROM clinic_appointments a"
                  " WHERE a.tenant_id = current_tenant_id() AND a.id = $1"};

bool
clinic_may_see_patients(crm_req_t *r)
{
    if (crm_rbac_allows(r->role_id, "clinic.patients.read"))
        return true;
    crm_reply_problem(r, 403, "the role %s may not see which patient an appointment is for",
                      r->role);
    return false;
}

/* Reading one appointment is a read of its patient's record, for the audit log. */
const crm_stmt_t clinic_stmt_audit_read = {
    "clinic.audit_read",
    "SELECT audit_read('read', 'clinic_appointments', $1, a.patient_id, NULL)"
    " FROM clinic_appointments a WHERE a.tenant_id = current_tenant_id() AND a.id = $1::uuid"};

void
clinic_appointments_get(crm_req_t *r)
{
    const char *id = crm_record_id(r, "appointment");
    if (!id)
        return;
    crm_tx_t *tx = clinic_tx(r);
    int i = crm_tx_add(tx, &clinic_stmt_get, 1, (const char *[]){id});
    crm_tx_add(tx, &clinic_stmt_audit_read, 1, (const char *[]){id});
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, i)) != 1)
        crm_reply_problem(r, 404, "no such appointment");
    else
        crm_reply_record(r, 200, crm_tx_result(tx, i));
}

/* A page showing whose appointments these are is written to the audit log ($10). */
static const crm_stmt_t clinic_stmt_list = {
    "clinic.list",
    CRM_AUDITED_PAGE(
        "clinic_appointments", "$10", "$9",
        "SELECT " CLINIC_JSON ", a.starts_at::text, a.id,"
        " CASE WHEN clinic_sees_patients() THEN a.patient_id END FROM clinic_appointments a"
        " WHERE a.tenant_id = current_tenant_id()"
        " AND ($1::uuid IS NULL OR a.practitioner_id = $1::uuid)"
        " AND ($2::uuid IS NULL OR a.patient_id = $2::uuid) AND ($3::text IS NULL OR a.status = $3)"
        " AND ($4::timestamptz IS NULL OR a.ends_at > $4::timestamptz)"
        " AND ($5::timestamptz IS NULL OR a.starts_at < $5::timestamptz)"
        " AND ($6::text IS NULL OR a.room = $6)"
        " AND ($7::text IS NULL OR (a.starts_at, a.id) > ($7::timestamptz, $8::uuid))"
        " ORDER BY a.starts_at, a.id LIMIT $9::int")};

void
clinic_appointments_list(crm_req_t *r)
{
    const char *prac = crm_req_query(r, "practitioner_id"), *pat = crm_req_query(r, "patient_id");
    const char *status = crm_req_query(r, "status"), *from = crm_req_query(r, "from");
    const char *to = crm_req_query(r, "to"), *room = crm_req_query(r, "room");
    if (prac && !crm_uuid_valid(prac))
        crm_req_field_error(r, "query.practitioner_id", "must be a UUID");
    if (pat && !crm_uuid_valid(pat))
        crm_req_field_error(r, "query.patient_id", "must be a UUID");
    if (pat && !clinic_may_see_patients(r))
        return;
    if (status && !clinic_status_known(status))
        crm_req_field_error(r, "query.status", "must be a FHIR appointment status");
    if (from && !crm_valid_time(from))
        crm_req_field_error(r, "query.from", "must be an RFC 3339 time with offset");
    if (to && !crm_valid_time(to))
        crm_req_field_error(r, "query.to", "must be an RFC 3339 time with offset");
    if (r->errors) {
        crm_reply_problem(r, 400, "the list parameters are not valid");
        return;
    }
    crm_page_t page;
    if (!crm_page_read(r, &page, "appointments"))
        return;
    crm_tx_t *tx = clinic_tx(r);
    int i = crm_tx_add(tx, &clinic_stmt_list, 10,
                       (const char *[]){prac, pat, status, from, to, room, page.after_key,
                                        page.after_id, page.fetch, crm_page_query_json(r)});
    if (crm_tx_run(tx) == 0)
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}

/* The appointment as it is (for the 409 of a clash). */
static const crm_stmt_t clinic_stmt_current = {
    "clinic.current",
    "SELECT practitioner_id, room, starts_at, duration_minutes FROM clinic_appointments"
    " WHERE tenant_id = current_tenant_id() AND id = $1"};

/* A change in one statement: given fields are set (null clears the optional ones; a new time
 * or duration moves the appointment, the history keeps the old one) only when the If-Match
 * version ($14) holds, a practitioner ($15) changes their own, the status may move from the
 * current one ($16: the statuses that may move to $4) and, unless overbooked ($11), a new time
 * or duration stays inside the working hours, checked in the same snapshot. The row as it was
 * comes back beside the change, so that a refusal is explained without another round trip. */
#define CLINIC_SET(field, n)                                                                       \
    " " field " = CASE WHEN '" field "' = ANY($13::text[]) THEN $" #n " ELSE a." field " END,"
/* clang-format off */
static const crm_stmt_t clinic_stmt_update = {
    "clinic.update",
    "WITH cur AS (SELECT a.version, a.status, a.practitioner_id,"
    "   ($2::timestamptz IS NULL AND $3::int IS NULL)"
    "   OR clinic_within_hours(a.practitioner_id, s.t, s.t + s.d) AS inside"
    " FROM clinic_appointments a, LATERAL (SELECT coalesce($2::timestamptz, a.starts_at) AS t,"
    "   make_interval(mins => coalesce($3::int, a.duration_minutes)) AS d) s"
    " WHERE a.tenant_id = current_tenant_id() AND a.id = $1),"
    " up AS (UPDATE clinic_appointments a SET"
    " starts_at = coalesce($2::timestamptz, a.starts_at),"
    " duration_minutes = coalesce($3::int, a.duration_minutes),"
    " ends_at = coalesce($2::timestamptz, a.starts_at)"
    "   + make_interval(mins => coalesce($3::int, a.duration_minutes)),"
    " status = coalesce($4, a.status),"
    CLINIC_SET("appointment_type", 5) CLINIC_SET("reason", 6) CLINIC_SET("location", 7)
    CLINIC_SET("room", 8) CLINIC_SET("notes", 9) CLINIC_SET("cancel_reason", 10)
    " overbooked = CASE WHEN $11::boolean THEN true ELSE a.overbooked END,"
    " overbook_reason = CASE WHEN $11::boolean THEN $12 ELSE a.overbook_reason END,"
    " version = a.version + 1, updated_at = now()"
    " FROM cur WHERE a.tenant_id = current_tenant_id() AND a.id = $1 AND a.version = $14::int"
    " AND ($15::uuid IS NULL OR a.practitioner_id = $15::uuid)"
    " AND ($4::text IS NULL OR a.status = $4 OR a.status = ANY($16::text[]))"
    " AND ($11::boolean OR cur.inside)"
    " RETURNING " CLINIC_JSON "::text AS j, a.version)"
    " SELECT (SELECT j FROM up), (SELECT version FROM up), cur.version, cur.status,"
    " cur.practitioner_id, cur.inside FROM (SELECT) one LEFT JOIN cur ON true"};
/* clang-format on */

/* After a clash: 409 naming the appointment in the way of the one moved (id). */
static void
clinic_reply_moved_clash(crm_req_t *r, const char *id, const clinic_in_t *in)
{
    crm_tx_t *tx = crm_tx_new(r);
    int c = crm_tx_add(tx, &clinic_stmt_current, 1, (const char *[]){id});
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *cur = crm_tx_result(tx, c);
    if (PQntuples(cur) != 1) {
        crm_reply_problem(r, 404, "no such appointment");
        return;
    }
    clinic_reply_clash(r, PQgetvalue(cur, 0, 0),
                       crm_field_present(r, "room") ? in->room : PQgetvalue(cur, 0, 1),
                       in->time ? in->time : PQgetvalue(cur, 0, 2),
                       in->duration ? in->duration : PQgetvalue(cur, 0, 3), id);
}

/* Why a change was refused, from the row as it was (cur: version, status, practitioner_id,
 * inside the hours), in the order the checks are documented: 404, 403, 412, 409, 422. */
static void
clinic_reply_refused(crm_req_t *r, const clinic_in_t *in, PGresult *res, const char *version)
{
    if (PQgetisnull(res, 0, 2)) {
        crm_reply_problem(r, 404, "no such appointment");
        return;
    }
    if (!clinic_allowed(r, in, PQgetvalue(res, 0, 4)))
        return;
    /* with another version, that is the answer; with this one, the first check that failed
     * (none when a concurrent change got in first: then 412 as well) */
    bool current = strcmp(PQgetvalue(res, 0, 2), version) == 0;
    const char *from = PQgetvalue(res, 0, 3);
    if (current && in->status && strcmp(in->status, from) != 0 &&
        !clinic_transition_allowed(from, in->status)) {
        r->problem_extra =
            crm_arena_sprintf(r->arena, "\"allowed\":\"%s\"", clinic_transitions_from(from));
        crm_reply_problem(r, 409, "an appointment cannot go from %s to %s; allowed: %s", from,
                          in->status, clinic_transitions_from(from));
    } else if (current && !in->overbook && strcmp(PQgetvalue(res, 0, 5), "t") != 0) {
        crm_req_field_error(r, "appointment_time", CLINIC_OUTSIDE_HOURS);
        crm_reply_problem(r, 422, "the change is not valid");
    } else {
        crm_reply_problem(r, 412, "the appointment changed since that version; fetch it again");
    }
}

void
clinic_appointments_patch(crm_req_t *r)
{
    const char *id = crm_record_id(r, "appointment"), *version;
    if (!id || !crm_body_fields(r, clinic_fields) || !crm_record_if_match(r, true, &version))
        return;
    for (const char *const *f = (const char *const[]){"patient_id", "practitioner_id", NULL}; *f;
         f++)
        if (crm_field_present(r, *f))
            crm_req_field_error(r, *f, "cannot change: book a new appointment instead");
    clinic_in_t in;
    clinic_read(r, &in, false);
    if (crm_fields_failed(r, "the change is not valid") || !clinic_allowed(r, &in, NULL))
        return;
    const char *own = clinic_is_practitioner_role(r) ? r->user_id : NULL;
    crm_tx_t *tx = clinic_tx(r);
    int u = crm_tx_add(tx, &clinic_stmt_update, 16,
                       (const char *[]){id, in.time, in.duration, in.status, in.type, in.reason,
                                        in.location, in.room, in.notes, in.cancel_reason,
                                        in.overbook ? "t" : "f", in.overbook_reason,
                                        crm_record_patch_mask(r, clinic_fields), version, own,
                                        in.status ? clinic_transitions_to(in.status) : NULL});
    if (crm_tx_run(tx) != 0) {
        const char *state = crm_tx_sqlstate(tx);
        if (state && strcmp(state, "23P01") == 0)
            clinic_reply_moved_clash(r, id, &in);
        return;
    }
    PGresult *res = crm_tx_result(tx, u);
    if (PQgetisnull(res, 0, 0))
        clinic_reply_refused(r, &in, res, version);
    else
        crm_reply_record(r, 200, res);
}
