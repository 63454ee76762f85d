/* messages.c - the clinic's kinds of message: their variables, default wording and context */
#include "core/db/db.h"
#include "core/module.h"
#include "modules/clinic/clinic.h"
#include "modules/clinic/invitation.h"
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

/* What a notice of a move may say besides: where and when it was. */
static const char *const clinic_move_variables[] = {
    "patient.first_name",
    "patient.last_name",
    "appointment.start_local",
    "appointment.date_local",
    "appointment.time_local",
    "appointment.duration_minutes",
    "appointment.location",
    "appointment.previous_start_local",
    "practitioner.name",
    "practitioner.previous_name",
    "clinic.name",
    "clinic.phone",
    NULL,
};

/* What a practitioner's notice may say: the patient as their calendar feed names them. */
static const char *const clinic_practitioner_variables[] = {
    "patient.name",
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

/* The invitation part of a notice's sample context. */
#define CLINIC_SAMPLE_INVITATION                                                                   \
    "\"invitation\": {\"uid\": \"0d3e0000-0000-4000-8000-00000000a001@crm\","                      \
    " \"sequence\": 1, \"stamp\": \"20261201T090000Z\", \"start\": \"20261208T143000Z\","          \
    " \"end\": \"20261208T150000Z\","                                                              \
    " \"summary\": \"Appointment with Dr Jane Doe, Riverside Clinic\", \"location\": \"Room 2\","  \
    " \"organizer\": \"desk@riverside.example\", \"organizer_name\": \"Riverside Clinic\","        \
    " \"attendee\": \"ann.smith@example.org\", \"attendee_name\": \"Ann Smith\"},"

/* What a preview of a booking or cancellation notice shows without an appointment. */
static const char clinic_notice_sample[] =
    "{" CLINIC_SAMPLE_INVITATION " \"to\": \"ann.smith@example.org\","
    " \"patient\": {\"first_name\": \"Ann\", \"last_name\": \"Smith\"},"
    " \"appointment\": {\"start_local\": \"Tuesday 8 December at 14:30\","
    " \"date_local\": \"Tuesday 8 December 2026\", \"time_local\": \"14:30\","
    " \"duration_minutes\": 30, \"location\": \"Room 2\"},"
    " \"practitioner\": {\"name\": \"Dr Jane Doe\"},"
    " \"clinic\": {\"name\": \"Riverside Clinic\", \"phone\": \"+44 20 7946 0000\"}}";

/* ... of a notice of a move. */
static const char clinic_move_sample[] =
    "{" CLINIC_SAMPLE_INVITATION " \"to\": \"ann.smith@example.org\","
    " \"patient\": {\"first_name\": \"Ann\", \"last_name\": \"Smith\"},"
    " \"appointment\": {\"start_local\": \"Tuesday 8 December at 14:30\","
    " \"date_local\": \"Tuesday 8 December 2026\", \"time_local\": \"14:30\","
    " \"duration_minutes\": 30, \"location\": \"Room 2\","
    " \"previous_start_local\": \"Monday 7 December at 09:15\"},"
    " \"practitioner\": {\"name\": \"Dr Jane Doe\", \"previous_name\": \"Dr Sam Lee\"},"
    " \"clinic\": {\"name\": \"Riverside Clinic\", \"phone\": \"+44 20 7946 0000\"}}";

/* ... of a practitioner's notice. */
static const char clinic_practitioner_sample[] =
    "{\"to\": \"jane.doe@riverside.example\", \"patient\": {\"name\": \"A.S.\"},"
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
        .preview_context = &clinic_sql_message_preview_context,
        .sample = clinic_message_sample,
        .reply = clinic_message_reply,
    },
    {
        .name = "appointment.booked",
        .description = "A confirmation of a booking, at once, with a calendar invitation by email.",
        .variables = clinic_message_variables,
        .sms = "Hi {{patient.first_name}}, your appointment with {{practitioner.name}} at "
               "{{clinic.name}} is booked for {{appointment.start_local}}. To change it, please "
               "contact us.",
        .email_subject = "Appointment booked: {{appointment.start_local}}",
        .email_text = "Hello {{patient.first_name}},\n\n"
                      "Your appointment with {{practitioner.name}} is booked for "
                      "{{appointment.start_local}} ({{appointment.duration_minutes}} minutes).\n\n"
                      "If you need to change or cancel it, please contact us.\n\n"
                      "{{clinic.name}}\n",
        .email_html = "<p>Hello {{patient.first_name}},</p>\n"
                      "<p>Your appointment with <strong>{{practitioner.name}}</strong> is booked "
                      "for <strong>{{appointment.start_local}}</strong> "
                      "({{appointment.duration_minutes}} minutes).</p>\n"
                      "<p>If you need to change or cancel it, please contact "
                      "us.</p>\n"
                      "<p>{{clinic.name}}</p>\n",
        .context = &clinic_sql_message_context,
        .preview_context = &clinic_sql_message_preview_context,
        .sample = clinic_notice_sample,
        .invitation = clinic_invitation_request,
    },
    {
        .name = "appointment.rescheduled",
        .description = "A notice that a booked appointment moved to another time or practitioner, "
                       "at once, with an updated calendar invitation by email.",
        .variables = clinic_move_variables,
        .sms = "Hi {{patient.first_name}}, your appointment at {{clinic.name}} has changed: now "
               "{{appointment.start_local}} with {{practitioner.name}} (was "
               "{{appointment.previous_start_local}} with {{practitioner.previous_name}}). "
               "Questions? Please contact us.",
        .email_subject = "Appointment changed: now {{appointment.start_local}}",
        .email_text = "Hello {{patient.first_name}},\n\n"
                      "Your appointment has changed. It is now with {{practitioner.name}} on "
                      "{{appointment.start_local}} ({{appointment.duration_minutes}} minutes).\n\n"
                      "It was with {{practitioner.previous_name}} on "
                      "{{appointment.previous_start_local}}.\n\n"
                      "If the new time does not suit you, please contact us.\n\n"
                      "{{clinic.name}}\n",
        .email_html = "<p>Hello {{patient.first_name}},</p>\n"
                      "<p>Your appointment has changed. It is now with "
                      "<strong>{{practitioner.name}}</strong> on "
                      "<strong>{{appointment.start_local}}</strong> "
                      "({{appointment.duration_minutes}} minutes).</p>\n"
                      "<p>It was with {{practitioner.previous_name}} on "
                      "{{appointment.previous_start_local}}.</p>\n"
                      "<p>If the new time does not suit you, please contact "
                      "us.</p>\n"
                      "<p>{{clinic.name}}</p>\n",
        .context = &clinic_sql_message_context,
        .preview_context = &clinic_sql_message_preview_context,
        .sample = clinic_move_sample,
        .invitation = clinic_invitation_request,
    },
    {
        .name = "appointment.cancelled",
        .description = "A notice that a booked appointment was cancelled (whoever cancelled it), "
                       "at once, with a calendar cancellation by email.",
        .variables = clinic_message_variables,
        .sms = "Hi {{patient.first_name}}, your appointment with {{practitioner.name}} on "
               "{{appointment.start_local}} at {{clinic.name}} is cancelled. To book again, please "
               "contact us.",
        .email_subject = "Appointment cancelled: {{appointment.start_local}}",
        .email_text = "Hello {{patient.first_name}},\n\n"
                      "Your appointment with {{practitioner.name}} on {{appointment.start_local}} "
                      "has been cancelled.\n\n"
                      "To book another, please contact us.\n\n"
                      "{{clinic.name}}\n",
        .email_html = "<p>Hello {{patient.first_name}},</p>\n"
                      "<p>Your appointment with <strong>{{practitioner.name}}</strong> on "
                      "<strong>{{appointment.start_local}}</strong> has been cancelled.</p>\n"
                      "<p>To book another, please contact us.</p>\n"
                      "<p>{{clinic.name}}</p>\n",
        .context = &clinic_sql_message_context,
        .preview_context = &clinic_sql_message_preview_context,
        .sample = clinic_notice_sample,
        .invitation = clinic_invitation_cancel,
    },
    {
        .name = "practitioner.booking_notice",
        .description = "An email to the practitioner when an appointment is booked with them; "
                       "off unless the tenant switches it on.",
        .variables = clinic_practitioner_variables,
        .email_subject = "New booking: {{patient.name}}, {{appointment.start_local}}",
        .email_text = "Hello {{practitioner.name}},\n\n"
                      "A new appointment has been booked with you: {{patient.name}} on "
                      "{{appointment.start_local}} ({{appointment.duration_minutes}} minutes).\n\n"
                      "Your diary has the details.\n\n"
                      "{{clinic.name}}\n",
        .email_html = "<p>Hello {{practitioner.name}},</p>\n"
                      "<p>A new appointment has been booked with you: "
                      "<strong>{{patient.name}}</strong> on "
                      "<strong>{{appointment.start_local}}</strong> "
                      "({{appointment.duration_minutes}} minutes).</p>\n"
                      "<p>Your diary has the details.</p>\n"
                      "<p>{{clinic.name}}</p>\n",
        .context = &clinic_sql_message_context,
        .preview_context = &clinic_sql_message_preview_context,
        .sample = clinic_practitioner_sample,
        .off_by_default = true,
    },
    {NULL},
};
