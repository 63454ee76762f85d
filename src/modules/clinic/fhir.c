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
#include "clinic_appointments_sql.h"
#include "clinic_fhir_sql.h"

#define FHIR_JSON      "application/fhir+json"
#define FHIR_MAX_DATES 2

/* A read by id (fhir_read): its statements take the id alone, and the resource statement
 * answers one column, the resource. */
enum { FHIR_RESOURCE };
CRM_SQL_COLUMN_AT(CLINIC_FHIR_PATIENT_RESOURCE, FHIR_RESOURCE);
CRM_SQL_COLUMN_AT(CLINIC_FHIR_APPOINTMENT_RESOURCE, FHIR_RESOURCE);
_Static_assert(clinic_sql_fhir_patient_params == 1 && clinic_sql_fhir_patient_audit_params == 1 &&
                   clinic_sql_fhir_appointment_params == 1 && clinic_sql_audit_read_params == 1,
               "fhir_read passes one parameter");

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

/* Replies with the resource statement i found (FHIR_RESOURCE), or 404 when none. */
static void
fhir_reply_resource(crm_req_t *r, crm_tx_t *tx, int i, const char *what)
{
    PGresult *res = crm_tx_result(tx, i);
    if (PQntuples(res) != 1) {
        crm_reply_problem(r, 404, "no such %s", what);
        return;
    }
    crm_reply(r, 200, FHIR_JSON, PQgetvalue(res, 0, FHIR_RESOURCE),
              (size_t)PQgetlength(res, 0, FHIR_RESOURCE));
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

/* GET /fhir/R4/Patient/{id} */
void
clinic_fhir_patient(crm_req_t *r)
{
    fhir_read(r, &clinic_sql_fhir_patient, "Patient", &clinic_sql_fhir_patient_audit);
}

/* GET /fhir/R4/Appointment/{id} */
void
clinic_fhir_appointment(crm_req_t *r)
{
    fhir_read(r, &clinic_sql_fhir_appointment, "Appointment", &clinic_sql_audit_read);
}

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

/* The Bundle of a search page (res: fhir_search's row), with a link to the next page when
 * more follow: ...Appointment?<the same search>&_cursor=<signed position>. */
static void
fhir_reply_search(crm_req_t *r, PGresult *res, crm_page_t *page, const char *base)
{
    const char *bundle = PQgetvalue(res, 0, CLINIC_FHIR_SEARCH_BUNDLE);
    size_t len = (size_t)PQgetlength(res, 0, CLINIC_FHIR_SEARCH_BUNDLE);
    char *cursor = strcmp(PQgetvalue(res, 0, CLINIC_FHIR_SEARCH_MORE), "t") == 0 &&
                           !PQgetisnull(res, 0, CLINIC_FHIR_SEARCH_LAST_START)
                       ? crm_page_cursor(r, page, PQgetvalue(res, 0, CLINIC_FHIR_SEARCH_LAST_START),
                                         PQgetvalue(res, 0, CLINIC_FHIR_SEARCH_LAST_ID))
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
    /* every search is audited, with its parameters */
    CRM_TX_ADD(tx, clinic_sql_fhir_search_audit, patient_id,
               fhir_query_json(r, patient, actor, status, &dates, n));
    const char *base = fhir_base_url(r);
    /* the dates become one time range, which the start-time index serves */
    int i = CRM_TX_ADD(tx, clinic_sql_fhir_search, patient_id, practitioner_id, status, dates.op[0],
                       dates.value[0], dates.op[1], dates.value[1],
                       crm_arena_sprintf(r->arena, "%ld", n), base, page.after_key, page.after_id);
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
