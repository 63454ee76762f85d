/* phone.c - fuzz target of src/core/phone.c: the first byte picks the default country (none,
 * GB, US, or the next two bytes), the rest is the number as typed. A number that normalises
 * is "+" and 8 to 15 digits, not starting with 0, and normalises to itself again. */
#include <ctype.h>

#include "core/util/phone.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char country[3] = "";
    const char *dflt = NULL;
    size_t skip = 1;
    switch (data[0] % 4) {
    case 1:
        dflt = "GB";
        break;
    case 2:
        dflt = "US";
        break;
    case 3:
        if (size < 3)
            return 0;
        memcpy(country, data + 1, 2);
        dflt = country;
        skip = 3;
        break;
    default:
        break;
    }
    char *input = fuzz_cstring(data + skip, size - skip);
    char out[CRM_PHONE_MAX];
    if (crm_phone_e164(input, dflt, out)) {
        size_t len = strnlen(out, CRM_PHONE_MAX);
        FUZZ_CHECK(len < CRM_PHONE_MAX);
        FUZZ_CHECK(out[0] == '+' && len >= 9 && len <= 16 && out[1] != '0');
        for (size_t i = 1; i < len; i++)
            FUZZ_CHECK(isdigit((unsigned char)out[i]));
        char again[CRM_PHONE_MAX];
        FUZZ_CHECK(crm_phone_e164(out, dflt, again) && strcmp(out, again) == 0);
    }
    free(input);
    return 0;
}
