/* ics.h - iCalendar (RFC 5545) content lines: TEXT escaping and folding at 75 octets */
#ifndef CRM_CLINIC_ICS_H
#define CRM_CLINIC_ICS_H

#include <stdbool.h>

#include "core/util/buf.h"

/* Appends the content line "name:value" and its CRLF to b; a TEXT value (text) has its
 * backslashes, commas, semicolons and line breaks escaped; other control characters (all but
 * HTAB) are left out of any value. Lines are folded before 75 octets, never inside a UTF-8
 * sequence. */
void clinic_ics_line(crm_buf_t *b, const char *name, const char *value, bool text);

#endif
