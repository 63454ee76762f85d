/* sms.c - fuzz target of src/core/messaging/sms_segments.c: the input is an SMS text. A text
 * that measures has one segment per 160 septets or 70 UTF-16 units at most, else as many as
 * the 153 or 67 of a part need (a character is never split, so at most one more per part);
 * no segments only when empty. */
#include "core/messaging/sms_segments.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    crm_sms_length m;
    if (crm_sms_measure((const char *)data, size, &m) != 0)
        return 0;
    FUZZ_CHECK((m.segments == 0) == (size == 0));
    FUZZ_CHECK((m.units == 0) == (size == 0));
    size_t single = m.encoding == CRM_SMS_GSM7 ? CRM_SMS_GSM7_SINGLE : CRM_SMS_UCS2_SINGLE;
    size_t part = m.encoding == CRM_SMS_GSM7 ? CRM_SMS_GSM7_PART : CRM_SMS_UCS2_PART;
    if (m.units <= single) {
        FUZZ_CHECK(m.segments <= 1);
    } else {
        FUZZ_CHECK(m.segments * part >= m.units);
        FUZZ_CHECK(m.segments <= (m.units + part - 2) / (part - 1));
    }
    /* a UTF-8 character is 1 to 4 bytes and 1 or 2 units */
    FUZZ_CHECK(m.units <= 2 * size);
    return 0;
}
