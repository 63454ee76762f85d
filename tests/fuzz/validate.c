/* validate.c - fuzz target of the string checks of src/core/validate.c, src/core/uuid.c and
 * src/core/json.c: the input as one string. Each check agrees with a plain restatement of its
 * rule, and the UTF-8 check agrees with jansson's own. */
#include <ctype.h>
#include <jansson.h>

#include "core/util/json.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "fuzz.h"

/* YYYY-MM-DD: digits and two dashes, nothing else (no sign, no white space). */
static bool
fuzz_date_shape(const char *s)
{
    for (size_t i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return false;
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t bad = crm_utf8_check((const char *)data, size);
    json_t *j = json_stringn((const char *)data, size); /* NULL when not UTF-8 */
    FUZZ_CHECK(bad == CRM_UTF8_VALID ? j != NULL : (j == NULL && bad < size));
    json_decref(j);
    if (bad != CRM_UTF8_VALID && bad > 0) /* the prefix before the fault is valid */
        FUZZ_CHECK(crm_utf8_check((const char *)data, bad) == CRM_UTF8_VALID);

    char *s = fuzz_cstring(data, size);
    size_t n = strlen(s);
    if (crm_valid_date(s, false))
        FUZZ_CHECK(n == 10 && fuzz_date_shape(s));
    if (crm_valid_date(s, true))
        FUZZ_CHECK(crm_valid_date(s, false));
    if (crm_valid_time(s)) {
        FUZZ_CHECK(n >= 20 && n <= 35 && fuzz_date_shape(s));
        char date[11];
        memcpy(date, s, 10);
        date[10] = '\0';
        FUZZ_CHECK(crm_valid_date(date, false));
    }
    if (crm_valid_email(s)) {
        const char *at = strchr(s, '@');
        FUZZ_CHECK(n <= 254 && at && at > s && !strchr(at + 1, '@'));
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK((unsigned char)s[i] > 0x20 && s[i] != 0x7f);
    }
    if (crm_uuid_valid(s))
        FUZZ_CHECK(n == CRM_UUID_LEN);
    free(s);
    return 0;
}
