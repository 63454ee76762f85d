/* invitation.c - the iCalendar invitation (RFC 5546) attached to an appointment notice's email */
#include "modules/clinic/invitation.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "core/messaging/email_message.h"
#include "core/util/arena.h"
#include "core/util/buf.h"
#include "modules/clinic/ics.h"

/* The non-empty string at key of o, or NULL. */
static const char *
invitation_str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

/* Whether s is a UTC DATE-TIME as iCalendar writes it: 20261208T143000Z. */
static bool
invitation_utc(const char *s)
{
    if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return false;
    for (int i = 0; i < 15; i++)
        if (i != 8 && !isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* A calendar user (ORGANIZER or ATTENDEE): its CN as a quoted-string (RFC 5545 3.1: no DQUOTE
 * or control characters in it), then the other parameters, then the mailto: URI. Nothing when
 * the address is not a plain one. */
static void
invitation_user(crm_buf_t *b, const char *prop, const char *addr, const char *name,
                const char *params)
{
    if (!addr || crm_email_address_check(addr) != 0)
        return;
    crm_buf_t n;
    crm_buf_init(&n, b->arena, 128);
    crm_buf_puts(&n, prop);
    if (name) {
        crm_buf_puts(&n, ";CN=\"");
        for (const char *p = name; *p; p++)
            if ((unsigned char)*p >= 0x20 && *p != 0x7f && *p != '"')
                crm_buf_putc(&n, *p);
        crm_buf_putc(&n, '"');
    }
    crm_buf_puts(&n, params);
    clinic_ics_line(b, n.data, crm_arena_sprintf(b->arena, "mailto:%s", addr), false);
}

static int
invitation_make(const json_t *context, bool cancel, char **out)
{
    *out = NULL;
    const json_t *inv = json_object_get(context, "invitation");
    const json_t *seq = json_object_get(inv, "sequence");
    const char *uid = invitation_str(inv, "uid"), *stamp = invitation_str(inv, "stamp"),
               *start = invitation_str(inv, "start"), *end = invitation_str(inv, "end"),
               *summary = invitation_str(inv, "summary");
    if (!json_is_object(inv) || !uid || !summary || !invitation_utc(stamp) ||
        !invitation_utc(start) || !invitation_utc(end) || !json_is_integer(seq) ||
        json_integer_value(seq) < 0)
        return -1;
    crm_arena_t *a = crm_arena_create(4096);
    crm_buf_t b;
    crm_buf_init(&b, a, 1024);
    crm_buf_puts(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CRM for clinics//Clinic "
                     "module//EN\r\nCALSCALE:GREGORIAN\r\n");
    crm_buf_printf(&b, "METHOD:%s\r\nBEGIN:VEVENT\r\n", cancel ? "CANCEL" : "REQUEST");
    /* the practitioner's feed's UID and SEQUENCE (calendar.c), so that a calendar holding both
     * sees one appointment, and each change replaces the last */
    clinic_ics_line(&b, "UID", uid, false);
    clinic_ics_line(&b, "SEQUENCE",
                    crm_arena_sprintf(a, "%lld", (long long)json_integer_value(seq)), false);
    clinic_ics_line(&b, "DTSTAMP", stamp, false);
    clinic_ics_line(&b, "DTSTART", start, false);
    clinic_ics_line(&b, "DTEND", end, false);
    clinic_ics_line(&b, "SUMMARY", summary, true);
    if (invitation_str(inv, "location"))
        clinic_ics_line(&b, "LOCATION", invitation_str(inv, "location"), true);
    invitation_user(&b, "ORGANIZER", invitation_str(inv, "organizer"),
                    invitation_str(inv, "organizer_name"), "");
    invitation_user(&b, "ATTENDEE", invitation_str(inv, "attendee"),
                    invitation_str(inv, "attendee_name"), ";ROLE=REQ-PARTICIPANT;RSVP=FALSE");
    clinic_ics_line(&b, "STATUS", cancel ? "CANCELLED" : "CONFIRMED", false);
    crm_buf_puts(&b, "END:VEVENT\r\nEND:VCALENDAR\r\n");
    *out = crm_xstrdup(b.data);
    crm_arena_destroy(a);
    return 0;
}

int
clinic_invitation_request(const json_t *context, char **out, const char **method)
{
    *method = "REQUEST";
    return invitation_make(context, false, out);
}

int
clinic_invitation_cancel(const json_t *context, char **out, const char **method)
{
    *method = "CANCEL";
    return invitation_make(context, true, out);
}
