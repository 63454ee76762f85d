/* sms_segments.h - how a text goes as SMS: GSM-7 or UCS-2, and into how many segments. */
#ifndef CRM_MESSAGING_SMS_SEGMENTS_H
#define CRM_MESSAGING_SMS_SEGMENTS_H

#include <stddef.h>

typedef enum {
    CRM_SMS_GSM7, /* every character is in GSM 03.38's table or its extension table */
    CRM_SMS_UCS2, /* anything else: the whole message goes as UTF-16 */
} crm_sms_encoding;

typedef struct {
    crm_sms_encoding encoding;
    size_t units;    /* septets (an extension-table character counts 2) or UTF-16 code units */
    size_t segments; /* 0 for an empty text */
} crm_sms_length;

/* The limits: one segment holds 160 septets or 70 UTF-16 units; a longer message is sent as
 * segments of 153 septets or 67 units (the rest carries the concatenation header). */
enum {
    CRM_SMS_GSM7_SINGLE = 160,
    CRM_SMS_GSM7_PART = 153,
    CRM_SMS_UCS2_SINGLE = 70,
    CRM_SMS_UCS2_PART = 67,
};

/* Measures the UTF-8 text (len bytes). A character is never split between two segments: an
 * extension-table character (escape + septet) or a UTF-16 surrogate pair (an emoji) that does
 * not fit in what is left of a segment starts the next one. Returns 0, or -1 when the text is
 * not well-formed UTF-8. */
int crm_sms_measure(const char *text, size_t len, crm_sms_length *out);

/* "GSM-7" or "UCS-2". */
const char *crm_sms_encoding_name(crm_sms_encoding encoding);

#endif
