/* fhir.c - a read-only FHIR R4 view of patients and appointments (application/fhir+json):
 * Patient and Appointment reads, Appointment search as a searchset Bundle, the
 * CapabilityStatement, and errors as OperationOutcome */
#include <ctype.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/arena.h"
#include "core/util/buf.h"
#include "core/db/db.h"
#include "core/db/listing.h"
#include "core/util/public_url.h"
#include "core/http/request.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "modules/clinic/clinic.h"
#include "modules/clinic/transitions.h"

#define FHIR_JSON      "application/fhir+json"
#define FHIR_MAX_DATES 2

/* The Appointment resource of row a; the patient participant only for roles that may see
 * it (clinic_sees_patients). */
#define FHIR_APPOINTMENT                                                                           \
    "jsonb_strip_nulls(jsonb_build_object('resourceType', 'Appointment', 'id', a.id,"              \
    " 'meta', jsonb_build_object('versionId', a.version::text, 'lastUpdated', a.updated_at),"      \
    " 'status', a.status, 'start', a.starts_at, 'end', a.ends_at,"                                 \
    " 'minutesDuration', a.duration_minutes, 'created', a.created_at,"                             \
    " 'appointmentType', CASE WHEN a.appointment_type IS NOT NULL"                                 \
    "   THEN jsonb_build_object('text', a.appointment_type) END,"                                  \
    " 'cancelationReason', CASE WHEN a.cancel_reason IS NOT NULL"                                  \
    "   THEN jsonb_build_object('text', a.cancel_reason) END,"                                     \
    " 'participant', (SELECT jsonb_agg(p) FROM (VALUES (CASE WHEN clinic_sees_patients()"          \
    "   THEN jsonb_build_object('actor', jsonb_build_object('reference', 'Patient/' ||"            \
    "   a.patient_id), 'required', 'required', 'status', s.v) END),"                               \
    "   (jsonb_build_object('actor', jsonb_build_object('reference', 'Practitioner/' ||"           \
    "   a.practitioner_id, 'display', a.practitioner_name), 'required', 'required',"               \
    "   'status', s.v))) v(p) WHERE p IS NOT NULL)))"

/* A participant's FHIR status follows the appointment's. */
#define FHIR_PARTICIPANT_STATUS                                                                    \
    " CROSS JOIN LATERAL (SELECT CASE a.status WHEN 'cancelled' THEN 'declined'"                   \
    "   WHEN 'proposed' THEN 'needs-action' WHEN 'pending' THEN 'tentative'"                       \
    "   ELSE 'accepted' END AS v) s"

static const char *
fhir_issue_code(int status)
{
    switch (status) {
    case 400:
    case 422:
        return "invalid";
    case 401:
        return "login";
    case 403:
        return "forbidden";
    case 404:
        return "not-found";
    case 405:
    case 415:
        return "not-supported";
    case 409:
    case 412:
        return "conflict";
    case 413:
        return "too-costly";
    case 429:
        return "throttled";
    default:
        return "exception";
    }
}

/* Errors of the FHIR routes: an OperationOutcome with one issue per field at fault. */
void
clinic_fhir_error(crm_req_t *r, int status, const char *detail)
{
    json_t *issues = json_array();
    if (!r->errors)
        json_array_append_new(issues, json_pack("{s:s, s:s, s:s}", "severity", "error", "code",
                                                fhir_issue_code(status), "diagnostics", detail));
    for (const crm_field_error_t *e = r->errors; e; e = e->next)
        json_array_append_new(issues,
                              json_pack("{s:s, s:s, s:s, s:[s]}", "severity", "error", "code",
                                        fhir_issue_code(status), "diagnostics",
                                        crm_arena_sprintf(r->arena, "%s: %s", e->field, e->message),
                                        "expression", e->field));
    json_t *outcome = json_pack("{s:s, s:o}", "resourceType", "OperationOutcome", "issue", issues);
    char *body = json_dumps(outcome, JSON_COMPACT);
    json_decref(outcome);
    const char *copy = crm_arena_strdup(r->arena, body ? body : "{}");
    free(body);
    crm_reply(r, status, FHIR_JSON, copy, strlen(copy));
}

/* Replies with the one-column result of statement i, or 404 when it found nothing. */
static void
fhir_reply_resource(crm_req_t *r, crm_tx_t *tx, int i, const char *what)
{
    PGresult *res = crm_tx_result(tx, i);
    if (PQntuples(res) != 1) {
        crm_reply_problem(r, 404, "no such %s", what);
        return;
    }
    crm_reply(r, 200, FHIR_JSON, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

/* A read by id: the resource statement $1 gives, or 404; audit ($1 too) logs the read. */
static void
fhir_read(crm_req_t *r, const crm_stmt_t *stmt, const char *what, const crm_stmt_t *audit)
{
    const char *id = crm_req_param(r, "id");
    if (!crm_uuid_valid(id)) {
        crm_reply_problem(r, 404, "no such %s", what);
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    int i = crm_tx_add(tx, stmt, 1, (const char *[]){id});
    crm_tx_add(tx, audit, 1, (const char *[]){id});
    if (crm_tx_run(tx) == 0)
        fhir_reply_resource(r, tx, i, what);
}

/* A reference parameter: "Type/<uuid>" or a bare uuid; NULL when not one. */
static const char *
fhir_reference_id(const char *value, const char *type)
{
    size_t n = strlen(type);
    if (strncmp(value, type, n) == 0 && value[n] == '/')
        value += n + 1;
    return crm_uuid_valid(value) ? value : NULL;
}

static const crm_stmt_t fhir_stmt_patient = {
    "clinic.fhir_patient",
    "SELECT jsonb_strip_nulls(jsonb_build_object('resourceType', 'Patient', 'id', c.id,"
    " 'meta', jsonb_build_object('versionId', c.version::text, 'lastUpdated', c.updated_at),"
    " 'active', true, 'name', jsonb_build_array(jsonb_build_object('use', 'official',"
    "   'family', c.last_name, 'given', CASE WHEN c.first_name IS NOT NULL"
    "   THEN jsonb_build_array(c.first_name) END)),"
    " 'telecom', (SELECT jsonb_agg(t) FROM (VALUES"
    "   (CASE WHEN c.phone IS NOT NULL THEN jsonb_build_object('system', 'phone', 'value',"
    "   c.phone) END), (CASE WHEN c.email IS NOT NULL THEN jsonb_build_object('system',"
    "   'email', 'value', c.email) END)) v(t) WHERE t IS NOT NULL),"
    " 'gender', c.gender, 'birthDate', c.date_of_birth))::text"
    " FROM contacts c WHERE c.tenant_id = current_tenant_id() AND c.id = $1"
    " AND c.type = 'patient' AND c.deleted_at IS NULL AND c.erased_at IS NULL"};

static const crm_stmt_t fhir_stmt_patient_audit = {
    "clinic.fhir_patient_audit",
    "SELECT audit_read('read', 'contacts', $1::text, $1::text::uuid, '{\"view\": \"fhir\"}')"};

/* GET /fhir/R4/Patient/{id} */
void
clinic_fhir_patient(crm_req_t *r)
{
    fhir_read(r, &fhir_stmt_patient, "Patient", &fhir_stmt_patient_audit);
}

static const crm_stmt_t fhir_stmt_appointment = {
    "clinic.fhir_appointment",
    "SELECT " FHIR_APPOINTMENT "::text FROM clinic_appointments a" FHIR_PARTICIPANT_STATUS
    " WHERE a.tenant_id = current_tenant_id() AND a.id = $1"};

/* GET /fhir/R4/Appointment/{id} */
void
clinic_fhir_appointment(crm_req_t *r)
{
    fhir_read(r, &fhir_stmt_appointment, "Appointment", &clinic_stmt_audit_read);
}

/* The search: $1 patient, $2 practitioner, $3 status, $4/$5 and $6/$7 date (prefix, value),
 * $8 _count, $9 the base URL, $10/$11 the start and id of the last appointment of the page
 * before (from _cursor). The dates become one time range, computed once, so that the
 * start-time index serves them (clinic migration 0011). Sorted by start; total counts every
 * match. Beside the Bundle: whether more follow, and the start and id of its last entry. */
static const crm_stmt_t fhir_stmt_search = {
    "clinic.fhir_search",
    "WITH d AS MATERIALIZED (SELECT greatest(x.lo, y.lo) AS lo, least(x.hi, y.hi) AS hi"
    "   FROM clinic_fhir_date_bounds($4, $5) x, clinic_fhir_date_bounds($6, $7) y),"
    " m AS (SELECT a.* FROM clinic_appointments a WHERE a.tenant_id = current_tenant_id()"
    "   AND ($1::uuid IS NULL OR a.patient_id = $1::uuid)"
    "   AND ($2::uuid IS NULL OR a.practitioner_id = $2::uuid)"
    "   AND ($3::text IS NULL OR a.status = $3)"
    "   AND a.starts_at >= (SELECT lo FROM d) AND a.starts_at < (SELECT hi FROM d)),"
    " ahead AS (SELECT * FROM m WHERE $10::timestamptz IS NULL"
    "   OR (m.starts_at, m.id) > ($10::timestamptz, $11::uuid)"
    "   ORDER BY starts_at, id LIMIT $8::int + 1),"
    " page AS (SELECT * FROM ahead ORDER BY starts_at, id LIMIT $8::int)"
    " SELECT jsonb_strip_nulls(jsonb_build_object('resourceType', 'Bundle', 'type', 'searchset',"
    " 'meta', jsonb_build_object('lastUpdated', now()), 'total', (SELECT count(*) FROM m),"
    " 'entry', (SELECT jsonb_agg(jsonb_build_object('fullUrl', $9 || 'Appointment/' || a.id,"
    "   'resource', " FHIR_APPOINTMENT ", 'search', jsonb_build_object('mode', 'match'))"
    "   ORDER BY a.starts_at, a.id) FROM page a" FHIR_PARTICIPANT_STATUS ")))::text,"
    " (SELECT count(*) FROM ahead) > $8::int,"
    " (SELECT starts_at::text FROM page ORDER BY starts_at DESC, id DESC LIMIT 1),"
    " (SELECT id FROM page ORDER BY starts_at DESC, id DESC LIMIT 1)"};

typedef struct fhir_dates {
    crm_req_t *r;
    int n;
    const char *op[FHIR_MAX_DATES], *value[FHIR_MAX_DATES];
} fhir_dates_t;

/* Collects each date=[prefix]value (the parameter may repeat) and checks it. */
static enum MHD_Result
fhir_collect_date(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    fhir_dates_t *d = cls;
    if (strcmp(key, "date") != 0)
        return MHD_YES;
    if (d->n == FHIR_MAX_DATES) {
        crm_req_field_error(d->r, "date", "may be given at most twice");
        return MHD_NO;
    }
    const char *op = "eq";
    static const char *const ops[] = {"eq", "ge", "gt", "le", "lt"};
    for (size_t i = 0; value && i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strncmp(value, ops[i], 2) == 0) {
            op = ops[i];
            value += 2;
        }
    if (!value || (!crm_valid_date(value, false) && !crm_valid_time(value))) {
        crm_req_field_error(d->r, "date",
                            "must be [eq|ge|gt|le|lt] and a date (YYYY-MM-DD) or a dateTime "
                            "with offset");
        return MHD_NO;
    }
    d->op[d->n] = op;
    d->value[d->n] = value;
    d->n++;
    return MHD_YES;
}

/* The absolute base of the FHIR endpoint, for the Bundle's fullUrls and links: from
 * CRM_PUBLIC_URL, never from the request's Host header. */
static const char *
fhir_base_url(crm_req_t *r)
{
    return crm_public_url_to(r->arena, "/fhir/R4/");
}

/* Every search is audited, with its parameters; $1 the patient searched for, if any. */
static const crm_stmt_t fhir_stmt_search_audit = {
    "clinic.fhir_search_audit",
    "SELECT audit_read('search', 'clinic_appointments', NULL, $1::uuid, $2::jsonb)"};

/* The search's parameters as JSON, for the audit log. */
static const char *
fhir_query_json(crm_req_t *r, const char *patient, const char *actor, const char *status,
                const fhir_dates_t *dates, long count)
{
    json_t *q = json_pack("{s:{s:s?, s:s?, s:s?, s:I, s:[]}}", "query", "patient", patient, "actor",
                          actor, "status", status, "_count", (json_int_t)count, "date");
    json_t *d = json_object_get(json_object_get(q, "query"), "date");
    for (int i = 0; i < dates->n; i++)
        json_array_append_new(d, json_sprintf("%s%s", dates->op[i], dates->value[i]));
    char *text = json_dumps(q, JSON_COMPACT);
    json_decref(q);
    const char *copy = crm_arena_strdup(r->arena, text ? text : "{}");
    free(text);
    return copy;
}

/* The request's query string again, percent-encoded, without _cursor: the next page's link
 * repeats the search. */
static enum MHD_Result
fhir_collect_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    crm_buf_t *b = cls;
    if (strcmp(key, "_cursor") == 0)
        return MHD_YES;
    for (const char *part = key; part; part = part == key ? value : NULL) {
        if (part == value)
            crm_buf_putc(b, '=');
        else if (b->len)
            crm_buf_putc(b, '&');
        for (const unsigned char *c = (const unsigned char *)part; *c; c++) {
            if (isalnum(*c) || strchr("-._~", *c))
                crm_buf_putc(b, (char)*c);
            else
                crm_buf_printf(b, "%%%02X", *c);
        }
    }
    return MHD_YES;
}

/* The Bundle of a search page (res: bundle, more, last start, last id), with a link to the
 * next page when more follow: ...Appointment?<the same search>&_cursor=<signed position>. */
static void
fhir_reply_search(crm_req_t *r, PGresult *res, crm_page_t *page, const char *base)
{
    const char *bundle = PQgetvalue(res, 0, 0);
    size_t len = (size_t)PQgetlength(res, 0, 0);
    char *cursor = strcmp(PQgetvalue(res, 0, 1), "t") == 0 && !PQgetisnull(res, 0, 2)
                       ? crm_page_cursor(r, page, PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3))
                       : NULL;
    if (!cursor || len < 2 || bundle[0] != '{') {
        crm_reply(r, 200, FHIR_JSON, bundle, len);
        return;
    }
    crm_buf_t query, b;
    crm_buf_init(&query, r->arena, 256);
    if (r->conn)
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, fhir_collect_query, &query);
    crm_buf_putc(&query, '\0');
    crm_buf_init(&b, r->arena, len + query.len + strlen(cursor) + 128);
    crm_buf_puts(&b, "{\"link\": [{\"relation\": \"next\", \"url\": ");
    crm_buf_json_string(&b, crm_arena_sprintf(r->arena, "%sAppointment?%s%s_cursor=%s", base,
                                              query.data, query.len > 1 ? "&" : "", cursor));
    crm_buf_puts(&b, "}], ");
    crm_buf_append(&b, bundle + 1, len - 1);
    crm_reply(r, 200, FHIR_JSON, b.data, b.len);
}

/* GET /fhir/R4/Appointment?patient=&actor=&status=&date=&date=&_count= */
void
clinic_fhir_search(crm_req_t *r)
{
    const char *patient = crm_req_query(r, "patient"), *actor = crm_req_query(r, "actor");
    const char *status = crm_req_query(r, "status"), *count = crm_req_query(r, "_count");
    const char *patient_id = NULL, *practitioner_id = NULL;
    if (patient && !(patient_id = fhir_reference_id(patient, "Patient")))
        crm_req_field_error(r, "patient", "must be Patient/<id> or an id");
    if (actor && !(practitioner_id = fhir_reference_id(actor, "Practitioner"))) {
        const char *as_patient =
            strncmp(actor, "Patient/", 8) == 0 ? fhir_reference_id(actor, "Patient") : NULL;
        if (!as_patient)
            crm_req_field_error(r, "actor", "must be Practitioner/<id> or Patient/<id>");
        else if (patient_id && strcmp(patient_id, as_patient) != 0)
            crm_req_field_error(r, "actor", "names another patient than patient");
        patient_id = as_patient;
    }
    if (status && !clinic_status_known(status))
        crm_req_field_error(r, "status", "must be a FHIR appointment status");
    long n = 50;
    if (count) {
        char *end;
        n = strtol(count, &end, 10);
        if (*count == '\0' || *end != '\0' || n < 0 || n > 100)
            crm_req_field_error(r, "_count", "must be a whole number from 0 to 100");
    }
    fhir_dates_t dates = {.r = r};
    if (r->conn)
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, fhir_collect_date, &dates);
    crm_page_t page = {.list = "fhir_appointments"};
    crm_page_read_cursor(r, &page, "_cursor", "_cursor");
    if (r->errors) {
        crm_reply_problem(r, 400, "the search parameters are not valid");
        return;
    }
    if (patient_id && !clinic_may_see_patients(r))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_add(tx, &fhir_stmt_search_audit, 2,
               (const char *[]){patient_id, fhir_query_json(r, patient, actor, status, &dates, n)});
    const char *base = fhir_base_url(r);
    int i = crm_tx_add(tx, &fhir_stmt_search, 11,
                       (const char *[]){patient_id, practitioner_id, status, dates.op[0],
                                        dates.value[0], dates.op[1], dates.value[1],
                                        crm_arena_sprintf(r->arena, "%ld", n), base, page.after_key,
                                        page.after_id});
    if (crm_tx_run(tx) == 0)
        fhir_reply_search(r, crm_tx_result(tx, i), &page, base);
}

/* GET /fhir/R4/metadata: what this server can do, as a CapabilityStatement. */
void
clinic_fhir_metadata(crm_req_t *r)
{
    static const char body[] =
        "{\"resourceType\":\"CapabilityStatement\",\"status\":\"active\","
        "\"date\":\"2026-11-27\",\"kind\":\"instance\",\"fhirVersion\":\"4.0.1\","
        "\"format\":[\"application/fhir+json\"],"
        "\"implementation\":{\"description\":\"CRM clinic module, read-only FHIR view\"},"
        "\"rest\":[{\"mode\":\"server\",\"security\":{\"description\":"
        "\"Bearer access tokens (JWT) of the CRM; the tenant comes from the token.\"},"
        "\"resource\":["
        "{\"type\":\"Patient\",\"interaction\":[{\"code\":\"read\"}]},"
        "{\"type\":\"Appointment\",\"interaction\":[{\"code\":\"read\"},"
        "{\"code\":\"search-type\"}],\"searchParam\":["
        "{\"name\":\"patient\",\"type\":\"reference\"},"
        "{\"name\":\"actor\",\"type\":\"reference\"},"
        "{\"name\":\"date\",\"type\":\"date\"},"
        "{\"name\":\"status\",\"type\":\"token\"},"
        "{\"name\":\"_count\",\"type\":\"number\"}]}]}]}";
    crm_reply(r, 200, FHIR_JSON, body, sizeof(body) - 1);
}
