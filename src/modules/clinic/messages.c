/* messages.c - the clinic's kinds of message: their variables, default wording and context */
#include "core/db/db.h"
#include "core/module.h"
#include "modules/clinic/clinic.h"
#include "clinic_messages_sql.h"

_Static_assert(clinic_sql_message_context_params == 1,
               "the worker passes a message context statement one parameter");
_Static_assert(clinic_sql_message_preview_context_params == 1,
               "a preview passes its context statement one parameter");
CRM_SQL_COLUMN_AT(CLINIC_MESSAGE_PREVIEW_CONTEXT_CONTEXT, CRM_MESSAGE_PREVIEW_CONTEXT);

/* What every clinic message may say. */
static const char *const clinic_message_variables[] = {
    "patient.first_name",
    "patient.last_name",
    "appointment.start_local",
    "appointment.date_local",
    "appointment.time_local",
    "appointment.duration_minutes",
    "appointment.location",
    "practitioner.name",
    "clinic.name",
    "clinic.phone",
    NULL,
};

/* What a preview shows without an appointment. */
static const char clinic_message_sample[] =
    "{\"patient\": {\"first_name\": \"Ann\", \"last_name\": \"Smith\"},"
    " \"appointment\": {\"start_local\": \"Tuesday 8 December at 14:30\","
    " \"date_local\": \"Tuesday 8 December 2026\", \"time_local\": \"14:30\","
    " \"duration_minutes\": 30, \"location\": \"Room 2\"},"
    " \"practitioner\": {\"name\": \"Dr Jane Doe\"},"
    " \"clinic\": {\"name\": \"Riverside Clinic\", \"phone\": \"+44 20 7946 0000\"}}";

const crm_message_kind_t clinic_message_kinds[] = {
    {
        .name = "appointment.reminder",
        .description = "A reminder of an appointment, at each of the tenant's reminder offsets.",
        .variables = clinic_message_variables,
        .sms = "Hi {{patient.first_name}}, a reminder of your appointment with "
               "{{practitioner.name}} on {{appointment.start_local}} at {{clinic.name}}. "
               "Reply C to confirm or X to cancel.",
        .email_subject = "Your appointment on {{appointment.start_local}}",
        .email_text = "Hello {{patient.first_name}},\n\n"
                      "This is a reminder of your appointment with {{practitioner.name}} on "
                      "{{appointment.start_local}}.\n\n"
                      "If you cannot come, please let us know as soon as you can.\n\n"
                      "{{clinic.name}}\n",
        .email_html = "<p>Hello {{patient.first_name}},</p>\n"
                      "<p>This is a reminder of your appointment with "
                      "<strong>{{practitioner.name}}</strong> on "
                      "<strong>{{appointment.start_local}}</strong>.</p>\n"
                      "<p>If you cannot come, please let us know as soon as you can.</p>\n"
                      "<p>{{clinic.name}}</p>\n",
        .context = &clinic_sql_message_context,
        .sample = clinic_message_sample,
        .preview_context = &clinic_sql_message_preview_context,
    },
    {NULL},
};
