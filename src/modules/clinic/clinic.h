/* clinic.h - the clinic module's handlers (appointments.c), listed in its route table */
#ifndef CRM_CLINIC_CLINIC_H
#define CRM_CLINIC_CLINIC_H

#include "core/http/request.h"
#include "core/module.h"

/* The longest appointment, in minutes (the table's CHECK and appointments.sql's fragment
 * clinic_max_duration say the same): a bound that lets time-overlap queries use a btree range
 * on starts_at. */
#define CLINIC_MAX_MINUTES 720

void clinic_appointments_list(crm_req_t *r);
void clinic_appointments_create(crm_req_t *r);
void clinic_appointments_get(crm_req_t *r);
void clinic_appointments_patch(crm_req_t *r);

/* practitioners.c */
void clinic_practitioners_list(crm_req_t *r);

/* schedules.c */
void clinic_schedule_get(crm_req_t *r);
void clinic_schedule_put(crm_req_t *r);
void clinic_exceptions_create(crm_req_t *r);
void clinic_exceptions_list(crm_req_t *r);
void clinic_exceptions_delete(crm_req_t *r);
void clinic_availability(crm_req_t *r);

/* module.c: whether the caller signed in as a practitioner (who sees only their own
 * appointments' notes and changes only their own schedule) */
bool clinic_is_practitioner_role(const crm_req_t *r);

/* appointments.c: whether the caller may know whose appointments they are (replies 403 when
 * not); appointments.sql's audit_read audits the read of appointment $1 */
bool clinic_may_see_patients(crm_req_t *r);

/* fhir.c */
void clinic_fhir_metadata(crm_req_t *r);
void clinic_fhir_patient(crm_req_t *r);
void clinic_fhir_appointment(crm_req_t *r);
void clinic_fhir_search(crm_req_t *r);
void clinic_fhir_error(crm_req_t *r, int status, const char *detail);

/* calendar.c */
void clinic_calendar_token(crm_req_t *r);
void clinic_calendar_feed(crm_req_t *r);

/* messages.c: what the clinic sends, ending {NULL} */
extern const crm_message_kind_t clinic_message_kinds[];

/* replies.c: a reply to a reminder (module.h, reply) */
int clinic_message_reply(struct crm_tx *tx, const char *outbox_id, const char *action,
                         const char *notice_hours);

#endif
