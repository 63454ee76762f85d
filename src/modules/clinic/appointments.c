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
#include "core/http/etag.h"
#include "core/http/request.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/records.h"
#include "modules/clinic/clinic.h"
#include "modules/clinic/transitions.h"
#include "clinic_appointments_sql.h"

CRM_RECORD_ROW(CLINIC_CREATE);
CRM_RECORD_ROW(CLINIC_GET);
CRM_PAGE_ROW(CLINIC_LIST);
CRM_RECORD_ROW(CLINIC_UPDATE);

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
    CRM_TX_ADD(tx, clinic_sql_notes_scope, clinic_notes_scope(r));
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

/* After an exclusion violation: 409 naming the appointment in the way. */
static void
clinic_reply_clash(crm_req_t *r, const char *practitioner, const char *room, const char *time,
                   const char *duration, const char *self)
{
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, clinic_sql_clash, practitioner, room, time, duration, self);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    if (PQntuples(res) == 1)
        r->problem_extra = crm_arena_sprintf(
            r->arena, "\"conflicting_appointment_id\":\"%s\",\"appointment_time\":\"%s\"",
            PQgetvalue(res, 0, CLINIC_CLASH_ID), PQgetvalue(res, 0, CLINIC_CLASH_STARTS_AT));
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
    /* a lead or customer booked becomes a patient; the practitioner, the patient and, unless
     * overbooked, the working hours are checked by the same statement (appointments.sql) */
    int i = CRM_TX_ADD(tx, clinic_sql_create, in.patient_id, in.practitioner_id, in.time,
                       in.duration, in.status, in.type, in.reason, in.location, in.room, in.notes,
                       in.source, in.overbook ? "t" : "f", in.overbook ? in.overbook_reason : NULL,
                       idem.key, idem.hash);
    if (crm_tx_run(tx) != 0) {
        const char *state = crm_tx_sqlstate(tx);
        if (state && strcmp(state, "23P01") == 0)
            clinic_reply_clash(r, in.practitioner_id, in.room, in.time, in.duration, NULL);
        else
            CLINIC_FAULT(r, tx, "appointment");
        return;
    }
    PGresult *res = crm_tx_result(tx, i);
    if (crm_idem_replayed(r, &idem, res, CLINIC_CREATE_REQUEST_HASH))
        return;
    if (PQgetisnull(res, 0, CLINIC_CREATE_J)) {
        if (strcmp(PQgetvalue(res, 0, CLINIC_CREATE_PRACTITIONERS), "1") != 0)
            crm_req_field_error(r, "practitioner_id",
                                "is not an active practitioner of this "
                                "tenant");
        if (strcmp(PQgetvalue(res, 0, CLINIC_CREATE_PATIENTS), "1") != 0)
            crm_req_field_error(r, "patient_id", "is not a contact of this tenant");
        if (!r->errors && strcmp(PQgetvalue(res, 0, CLINIC_CREATE_INSIDE), "t") != 0)
            crm_req_field_error(r, "appointment_time", CLINIC_OUTSIDE_HOURS);
        crm_reply_problem(r, 422, "the appointment is not valid");
        return;
    }
    if (in.overbook)
        crm_warn("security: overbooked appointment %s by user %s: %s",
                 PQgetvalue(res, 0, CLINIC_CREATE_ID), r->user_id, in.overbook_reason);
    crm_req_add_header(r, "Location",
                       crm_arena_sprintf(r->arena, "/api/v1/appointments/%s",
                                         PQgetvalue(res, 0, CLINIC_CREATE_ID)));
    crm_reply_record(r, 201, res);
}

bool
clinic_may_see_patients(crm_req_t *r)
{
    if (crm_rbac_allows(r->role_id, "clinic.patients.read"))
        return true;
    crm_reply_problem(r, 403, "the role %s may not see which patient an appointment is for",
                      r->role);
    return false;
}

void
clinic_appointments_get(crm_req_t *r)
{
    const char *id = crm_record_id(r, "appointment");
    if (!id)
        return;
    crm_tx_t *tx = clinic_tx(r);
    int i = CRM_TX_ADD(tx, clinic_sql_get, id);
    CRM_TX_ADD(tx, clinic_sql_audit_read, id);
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, i)) != 1)
        crm_reply_problem(r, 404, "no such appointment");
    else
        crm_reply_record(r, 200, crm_tx_result(tx, i));
}

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
    const char *tags, *query = crm_page_query_json(r);
    crm_etags_t inm = crm_etags_parse(crm_req_header(r, "If-None-Match"), r->arena, &tags);
    crm_tx_t *tx = clinic_tx(r);
    /* one round trip either way: the tag first, then the page, which is empty (so neither
     * built nor audited: a 304 discloses nothing new) when the client's copy is current;
     * otherwise the page, showing whose appointments these are, goes to the audit log */
    int t = CRM_TX_ADD(tx, clinic_sql_list_tag, prac, pat, status, from, to, room, page.after_key,
                       page.after_id, page.fetch, query, tags, inm == CRM_ETAGS_ANY ? "t" : "f");
    int i = CRM_TX_ADD(tx, clinic_sql_list, prac, pat, status, from, to, room, page.after_key,
                       page.after_id, page.fetch, query);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *tag = crm_tx_result(tx, t);
    crm_req_add_header(r, "ETag", PQgetvalue(tag, 0, CLINIC_LIST_TAG_ETAG));
    if (strcmp(PQgetvalue(tag, 0, CLINIC_LIST_TAG_UNCHANGED), "true") == 0)
        crm_reply(r, 304, NULL, "", 0);
    else
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}

/* After a clash: 409 naming the appointment in the way of the one moved (id). */
static void
clinic_reply_moved_clash(crm_req_t *r, const char *id, const clinic_in_t *in)
{
    crm_tx_t *tx = crm_tx_new(r);
    int c = CRM_TX_ADD(tx, clinic_sql_current, id);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *cur = crm_tx_result(tx, c);
    if (PQntuples(cur) != 1) {
        crm_reply_problem(r, 404, "no such appointment");
        return;
    }
    clinic_reply_clash(
        r,
        in->practitioner_id ? in->practitioner_id
                            : PQgetvalue(cur, 0, CLINIC_CURRENT_PRACTITIONER_ID),
        crm_field_present(r, "room") ? in->room : PQgetvalue(cur, 0, CLINIC_CURRENT_ROOM),
        in->time ? in->time : PQgetvalue(cur, 0, CLINIC_CURRENT_STARTS_AT),
        in->duration ? in->duration : PQgetvalue(cur, 0, CLINIC_CURRENT_DURATION_MINUTES), id);
}

/* Why a change was refused, from the row as it was (its version, status, practitioner, whether
 * a new practitioner was found and whether the new time is inside the hours), in the order the
 * checks are documented: 404, 403, 412, 409, 422. */
static void
clinic_reply_refused(crm_req_t *r, const clinic_in_t *in, PGresult *res, const char *version)
{
    if (PQgetisnull(res, 0, CLINIC_UPDATE_CURRENT_VERSION)) {
        crm_reply_problem(r, 404, "no such appointment");
        return;
    }
    if (!clinic_allowed(r, in, PQgetvalue(res, 0, CLINIC_UPDATE_PRACTITIONER_ID)))
        return;
    /* with another version, that is the answer; with this one, the first check that failed
     * (none when a concurrent change got in first: then 412 as well) */
    bool current = strcmp(PQgetvalue(res, 0, CLINIC_UPDATE_CURRENT_VERSION), version) == 0;
    const char *from = PQgetvalue(res, 0, CLINIC_UPDATE_STATUS);
    if (current && in->status && strcmp(in->status, from) != 0 &&
        !clinic_transition_allowed(from, in->status)) {
        r->problem_extra =
            crm_arena_sprintf(r->arena, "\"allowed\":\"%s\"", clinic_transitions_from(from));
        crm_reply_problem(r, 409, "an appointment cannot go from %s to %s; allowed: %s", from,
                          in->status, clinic_transitions_from(from));
    } else if (current && strcmp(PQgetvalue(res, 0, CLINIC_UPDATE_PRACTITIONER_FOUND), "t") != 0) {
        crm_req_field_error(r, "practitioner_id", "is not an active practitioner of this tenant");
        crm_reply_problem(r, 422, "the change is not valid");
    } else if (current && !in->overbook &&
               strcmp(PQgetvalue(res, 0, CLINIC_UPDATE_INSIDE), "t") != 0) {
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
    if (crm_field_present(r, "patient_id"))
        crm_req_field_error(r, "patient_id", "cannot change: book a new appointment instead");
    clinic_in_t in;
    clinic_read(r, &in, false);
    /* a new practitioner is checked as a booking's is: a practitioner moves nobody's to
     * anyone else, and the new one's clashes and hours apply */
    if (crm_fields_failed(r, "the change is not valid") ||
        !clinic_allowed(r, &in, in.practitioner_id))
        return;
    const char *own = clinic_is_practitioner_role(r) ? r->user_id : NULL;
    crm_tx_t *tx = clinic_tx(r);
    /* the change only when version, owner, status move and hours allow it; the row as it was
     * beside it explains a refusal (appointments.sql) */
    int u =
        CRM_TX_ADD(tx, clinic_sql_update, id, in.time, in.duration, in.status, in.type, in.reason,
                   in.location, in.room, in.notes, in.cancel_reason, in.overbook ? "t" : "f",
                   in.overbook_reason, crm_record_patch_mask(r, clinic_fields), version, own,
                   in.status ? clinic_transitions_to(in.status) : NULL, in.practitioner_id);
    if (crm_tx_run(tx) != 0) {
        const char *state = crm_tx_sqlstate(tx);
        if (state && strcmp(state, "23P01") == 0)
            clinic_reply_moved_clash(r, id, &in);
        return;
    }
    PGresult *res = crm_tx_result(tx, u);
    if (PQgetisnull(res, 0, CLINIC_UPDATE_J))
        clinic_reply_refused(r, &in, res, version);
    else
        crm_reply_record(r, 200, res);
}
