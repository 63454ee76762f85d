/* module.c - the clinic module: its routes, permissions, migrations, OpenAPI fragment and its part
 * in the contact's timeline, export, merge and erasure */
#include "core/db/db.h"
#include "core/module.h"
#include "core/auth/rbac.h"
#include "crm/user_fields.h"
#include "modules/clinic/clinic.h"
#include "clinic_module_sql.h"

extern const crm_migration_t crm_clinic_migrations[];
extern const char crm_clinic_asset_openapi[];
extern const char crm_clinic_asset_demo[];

static const char *const clinic_list_query[] = {
    "limit", "cursor", "practitioner_id", "patient_id", "status", "from", "to", "room", NULL};

static const char *const clinic_availability_query[] = {"practitioner_id", "from", "to",
                                                        "duration_minutes", NULL};

static const char *const clinic_fhir_query[] = {"patient", "actor",   "status", "date",
                                                "_count",  "_cursor", NULL};

static const crm_route_t clinic_routes[] = {
    {"GET", "/api/v1/appointments", clinic_appointments_list, "clinic.appointments.read",
     clinic_list_query, 0},
    {"POST", "/api/v1/appointments", clinic_appointments_create, "clinic.appointments.write", NULL,
     CRM_ROUTE_JSON_BODY},
    {"GET", "/api/v1/appointments/{id}", clinic_appointments_get, "clinic.appointments.read", NULL,
     0},
    {"PATCH", "/api/v1/appointments/{id}", clinic_appointments_patch, "clinic.appointments.write",
     NULL, CRM_ROUTE_JSON_BODY},
    {"GET", "/api/v1/practitioners", clinic_practitioners_list, "clinic.appointments.read", NULL,
     0},
    {"GET", "/api/v1/practitioners/{id}/schedule", clinic_schedule_get, "clinic.appointments.read",
     NULL, 0},
    {"PUT", "/api/v1/practitioners/{id}/schedule", clinic_schedule_put, "clinic.schedules.write",
     NULL, CRM_ROUTE_JSON_BODY},
    {"GET", "/api/v1/practitioners/{id}/schedule/exceptions", clinic_exceptions_list,
     "clinic.appointments.read", NULL, 0},
    {"POST", "/api/v1/practitioners/{id}/schedule/exceptions", clinic_exceptions_create,
     "clinic.schedules.write", NULL, CRM_ROUTE_JSON_BODY},
    {"DELETE", "/api/v1/practitioners/{id}/schedule/exceptions/{exception_id}",
     clinic_exceptions_delete, "clinic.schedules.write", NULL, 0},
    {"POST", "/api/v1/practitioners/{id}/calendar-token", clinic_calendar_token,
     "clinic.schedules.write", NULL, 0},
    {"GET", "/api/v1/calendar/{token}", clinic_calendar_feed, CRM_PERM_PUBLIC, NULL, 0},
    {"GET", "/api/v1/availability", clinic_availability, "clinic.appointments.read",
     clinic_availability_query, 0},
    {"GET", "/fhir/R4/metadata", clinic_fhir_metadata, CRM_PERM_PUBLIC, NULL, CRM_ROUTE_OWN_ERRORS},
    {"GET", "/fhir/R4/Patient/{id}", clinic_fhir_patient, "clinic.patients.read", NULL,
     CRM_ROUTE_OWN_ERRORS},
    {"GET", "/fhir/R4/Appointment/{id}", clinic_fhir_appointment, "clinic.appointments.read", NULL,
     CRM_ROUTE_OWN_ERRORS},
    {"GET", "/fhir/R4/Appointment", clinic_fhir_search, "clinic.appointments.read",
     clinic_fhir_query, CRM_ROUTE_OWN_ERRORS},
    {NULL, NULL, NULL, NULL, NULL, 0},
};

static const crm_permission_t clinic_permissions[] = {
    {"clinic.appointments.read", "read the schedule and appointments",
     "practitioner receptionist viewer"},
    {"clinic.appointments.write",
     "book, reschedule and cancel appointments (practitioners: their own)",
     "practitioner receptionist"},
    {"clinic.patients.read", "see which patient each appointment is for",
     "practitioner receptionist"},
    {"clinic.notes.read", "read clinical notes (practitioners: of their own appointments)",
     "practitioner"},
    {"clinic.notes.write", "write clinical notes", "practitioner"},
    {"clinic.overbook", "book past a clash or outside working hours, with a reason",
     "receptionist"},
    {"clinic.schedules.write", "set working hours and exceptions (practitioners: their own)",
     "practitioner receptionist"},
    {NULL, NULL, NULL},
};

/* The clinic's roles, and the core's permissions they hold. */
static const crm_role_def_t clinic_roles[] = {
    {"practitioner", "Patients, their own schedule and clinical notes.",
     "contacts.read contacts.write activities.read activities.write messages.read"},
    {"receptionist", "Contacts and scheduling for every practitioner; no clinical notes.",
     "contacts.read contacts.write contacts.import activities.read activities.write "
     "messages.read inbox.read inbox.manage"},
    {NULL, NULL, NULL},
};

/* The hooks (module.sql) take the parameters core/module.h gives them. */
_Static_assert(clinic_sql_timeline_params == 4 && clinic_sql_export_params == 1 &&
                   clinic_sql_merge_params == 2 && clinic_sql_erase_params == 1 &&
                   clinic_sql_user_write_params == 2 && clinic_sql_user_read_params == 1,
               "a clinic hook takes other parameters than the core passes");
CRM_USER_FIELDS_ROW(CLINIC_USER_READ);
static const char *const clinic_user_fields[] = {"is_practitioner", NULL};

/* What only those who may read clinical notes see in the audit log. */
static const crm_sensitive_column_t clinic_sensitive[] = {
    {"clinic_appointments", "notes", "clinic.notes.read", "\"[clinical]\""},
    {NULL, NULL, NULL, NULL},
};

/* Patients: their records are personal (reading one is audited, the audit row names them)
 * and a patient stays a patient (booking makes a lead or customer one: clinic 0010). */
static const crm_contact_type_t clinic_contact_types[] = {
    {.name = "patient", .plural = "patients", .sensitive = true, .sticky = true},
    {NULL},
};

/* The practitioner role's number, known once the roles are loaded (at start-up). */
static int clinic_practitioner_role = -1;

bool
clinic_is_practitioner_role(const crm_req_t *r)
{
    return clinic_practitioner_role >= 0 && r->role_id == clinic_practitioner_role;
}

static int
clinic_init(const crm_config_t *c)
{
    (void)c;
    clinic_practitioner_role = crm_role_by_name("practitioner");
    return clinic_practitioner_role >= 0 ? 0 : -1;
}

const crm_module_t crm_clinic_module = {
    .name = "clinic",
    .description = "Appointments for patients with practitioners, without double booking.",
    .routes = clinic_routes,
    .migrations = crm_clinic_migrations,
    .permissions = clinic_permissions,
    .roles = clinic_roles,
    .contact_types = clinic_contact_types,
    .openapi = crm_clinic_asset_openapi,
    .init = clinic_init,
    .demo_seed = crm_clinic_asset_demo,
    .contact = {.timeline = &clinic_sql_timeline,
                .export_records = &clinic_sql_export,
                .merge = &clinic_sql_merge,
                .erase = &clinic_sql_erase},
    .sensitive = clinic_sensitive,
    .user = {.fields = clinic_user_fields,
             .write = &clinic_sql_user_write,
             .read = &clinic_sql_user_read},
    .reply_error = clinic_fhir_error,
    .message_kinds = clinic_message_kinds,
};
