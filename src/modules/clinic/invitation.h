/* invitation.h - the iCalendar invitation (RFC 5546) attached to an appointment notice's email */
#ifndef CRM_CLINIC_INVITATION_H
#define CRM_CLINIC_INVITATION_H

#include <jansson.h>

/* The invitation of a notice from its context's "invitation" object (messages.sql: uid,
 * sequence, stamp, start and end as UTC date-times "YYYYMMDDTHHMMSSZ", summary, and optional
 * location, organizer, organizer_name, attendee, attendee_name): a VCALENDAR of one VEVENT into
 * *out (heap-allocated, the caller frees it), with *method "REQUEST" (a booking or a move) or
 * "CANCEL" (STATUS:CANCELLED). An organizer or attendee that is not a plain address is left
 * out. 0, or -1 and *out NULL when the context has no well-formed invitation. These are the
 * invitation callbacks of crm_message_kind_t. */
int clinic_invitation_request(const json_t *context, char **out, const char **method);
int clinic_invitation_cancel(const json_t *context, char **out, const char **method);

#endif
