/* ics.c - fuzz target of src/modules/clinic/ics.c: the first byte says whether the value is
 * TEXT, the rest is the value (as PostgreSQL hands it over: a C string). The line must unfold
 * to the escaped value, end with CRLF, hold no other line break, and, for valid UTF-8, keep
 * every physical line within 75 octets; no control character but HTAB is written. */
#include "core/util/arena.h"
#include "core/util/buf.h"
#include "core/util/json.h"
#include "fuzz.h"
#include "modules/clinic/ics.h"

/* What the content line must say, by RFC 5545 3.3.11, before folding: TEXT escaped, no
 * control character but HTAB. */
static void
fuzz_expected(crm_buf_t *b, const char *name, const char *value, bool text)
{
    crm_buf_puts(b, name);
    crm_buf_putc(b, ':');
    for (const char *p = value; *p; p++) {
        bool control = (unsigned char)*p < 0x20 || *p == 0x7f;
        if (text && *p == '\n') {
            crm_buf_puts(b, "\\n");
        } else if (text && (*p == '\\' || *p == ',' || *p == ';')) {
            crm_buf_putc(b, '\\');
            crm_buf_putc(b, *p);
        } else if (!control || *p == '\t') {
            crm_buf_putc(b, *p);
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool text = data[0] & 1;
    char *value = fuzz_cstring(data + 1, size - 1);
    bool utf8 = crm_utf8_check(value, strlen(value)) == CRM_UTF8_VALID;
    crm_arena_t *a = crm_arena_create(4096);
    crm_buf_t out, want, unfolded;
    crm_buf_init(&out, a, 64);
    crm_buf_init(&want, a, 64);
    crm_buf_init(&unfolded, a, 64);
    clinic_ics_line(&out, "LOCATION", value, text);
    fuzz_expected(&want, "LOCATION", value, text);

    FUZZ_CHECK(out.len >= 2 && memcmp(out.data + out.len - 2, "\r\n", 2) == 0);
    size_t start = 0; /* of the current physical line */
    for (size_t i = 0; i < out.len; i++) {
        char c = out.data[i];
        if (c == '\r' || c == '\n') {
            /* a line break is CRLF, followed by a space (a fold) or the end */
            FUZZ_CHECK(c == '\r' && i + 1 < out.len && out.data[i + 1] == '\n');
            FUZZ_CHECK(i + 2 == out.len || out.data[i + 2] == ' ');
            if (utf8)
                FUZZ_CHECK(i - start <= 75);
            i += i + 2 == out.len ? 1 : 2;
            start = i + 1;
            continue;
        }
        crm_buf_putc(&unfolded, c);
    }
    FUZZ_CHECK(unfolded.len == want.len && memcmp(unfolded.data, want.data, want.len) == 0);
    for (size_t i = 0; i < unfolded.len; i++) /* no CONTROL but HTAB (RFC 5545 3.1, 3.3.11) */
        FUZZ_CHECK(unfolded.data[i] == '\t' ||
                   ((unsigned char)unfolded.data[i] >= 0x20 && unfolded.data[i] != 0x7f));

    crm_arena_destroy(a);
    free(value);
    return 0;
}
