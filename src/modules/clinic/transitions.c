/* transitions.c - the appointment status life cycle (FHIR R4 Appointment.status) as a table;
 * docs/clinic.md shows the same table */
#include "modules/clinic/transitions.h"

#include <stdio.h>
#include <string.h>

#define TO(...) ((const char *const[]){__VA_ARGS__, NULL})

const clinic_transition_t clinic_transitions[] = {
    {"proposed", TO("pending", "booked", "waitlist", "cancelled", "entered-in-error")},
    {"pending", TO("booked", "waitlist", "cancelled", "entered-in-error")},
    {"waitlist", TO("proposed", "pending", "booked", "cancelled", "entered-in-error")},
    {"booked", TO("arrived", "checked-in", "noshow", "cancelled", "entered-in-error")},
    {"arrived", TO("checked-in", "fulfilled", "cancelled", "entered-in-error")},
    {"checked-in", TO("fulfilled", "cancelled", "entered-in-error")},
    {"fulfilled", TO("entered-in-error")},
    {"cancelled", TO("entered-in-error")},
    {"noshow", TO("entered-in-error")},
    {"entered-in-error", ((const char *const[]){NULL})},
    {NULL, NULL},
};

static const clinic_transition_t *
clinic_row(const char *from)
{
    for (const clinic_transition_t *t = clinic_transitions; t->from; t++)
        if (strcmp(t->from, from) == 0)
            return t;
    return NULL;
}

bool
clinic_status_known(const char *status)
{
    return clinic_row(status) != NULL;
}

bool
clinic_status_initial(const char *status)
{
    return !strcmp(status, "proposed") || !strcmp(status, "pending") || !strcmp(status, "booked") ||
           !strcmp(status, "waitlist");
}

bool
clinic_transition_allowed(const char *from, const char *to)
{
    const clinic_transition_t *t = clinic_row(from);
    for (const char *const *s = t ? t->to : NULL; s && *s; s++)
        if (strcmp(*s, to) == 0)
            return true;
    return false;
}

const char *
clinic_transitions_from(const char *from)
{
    static _Thread_local char list[200];
    const clinic_transition_t *t = clinic_row(from);
    size_t off = 0;
    list[0] = '\0';
    for (const char *const *s = t ? t->to : NULL; s && *s && off < sizeof(list); s++)
        off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", off ? ", " : "", *s);
    return off ? list : "none";
}

const char *
clinic_transitions_to(const char *to)
{
    static _Thread_local char list[200];
    size_t off = (size_t)snprintf(list, sizeof(list), "{");
    for (const clinic_transition_t *t = clinic_transitions; t->from && off < sizeof(list); t++)
        if (clinic_transition_allowed(t->from, to))
            off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", off > 1 ? "," : "",
                                    t->from);
    if (off < sizeof(list))
        snprintf(list + off, sizeof(list) - off, "}");
    return list;
}
