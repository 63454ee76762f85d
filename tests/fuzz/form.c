/* form.c - fuzz target of src/core/messaging/form.c: the input is a webhook's form body. A
 * body that decodes gives fields that, percent-encoded again byte by byte, decode to the same
 * fields in the same order. */
#include <ctype.h>

#include "core/messaging/form.h"
#include "fuzz.h"

/* s with every byte but letters and digits as %XX, at p; returns the end. */
static char *
encode(char *p, const char *s)
{
    for (; *s; s++) {
        if (isalnum((unsigned char)*s))
            *p++ = *s;
        else
            p += sprintf(p, "%%%02X", (unsigned char)*s);
    }
    return p;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    crm_arena_t *a = crm_arena_create(1024);
    crm_form_field *fields = NULL;
    long n = crm_form_parse(a, (const char *)data, size, &fields);
    if (n >= 0) {
        size_t cap = 1;
        for (long i = 0; i < n; i++)
            cap += 3 * (strlen(fields[i].name) + strlen(fields[i].value)) + 2;
        char *again = malloc(cap), *p = again;
        if (!again)
            abort();
        for (long i = 0; i < n; i++) {
            p = encode(p, fields[i].name);
            *p++ = '=';
            p = encode(p, fields[i].value);
            *p++ = '&';
        }
        crm_form_field *back = NULL;
        FUZZ_CHECK(crm_form_parse(a, again, (size_t)(p - again), &back) == n);
        for (long i = 0; i < n; i++) {
            FUZZ_CHECK(strcmp(fields[i].name, back[i].name) == 0);
            FUZZ_CHECK(strcmp(fields[i].value, back[i].value) == 0);
        }
        free(again);
    }
    crm_arena_destroy(a);
    return 0;
}
