/* transitions.h - the appointment status life cycle (FHIR R4 Appointment.status) as a table */
#ifndef CRM_CLINIC_TRANSITIONS_H
#define CRM_CLINIC_TRANSITIONS_H

#include <stdbool.h>

typedef struct clinic_transition {
    const char *from;
    const char *const *to; /* NULL-terminated: the statuses it may move to */
} clinic_transition_t;

extern const clinic_transition_t clinic_transitions[];

bool clinic_status_known(const char *status);
/* A status an appointment may be created with (proposed, pending, booked, waitlist). */
bool clinic_status_initial(const char *status);
bool clinic_transition_allowed(const char *from, const char *to);
/* "arrived, checked-in, ..." of from, for a 409's detail (static storage per status). */
const char *clinic_transitions_from(const char *from);
/* "{proposed,waitlist}": the statuses that may move to to, as a PostgreSQL array (the thread's
 * buffer, valid until its next call). */
const char *clinic_transitions_to(const char *to);

#endif
