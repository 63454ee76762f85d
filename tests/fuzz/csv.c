/* csv.c - fuzz target of src/core/csv.c: any bytes, read record by record until the end or
 * the first malformed record. Kept thin: only the parser's public calls. */
#include "core/arena.h"
#include "core/csv.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    crm_arena_t *a = crm_arena_create(4096);
    crm_csv_t c;
    crm_csv_init(&c, a, (const char *)data, size);
    crm_csv_record_t rec;
    size_t records = 0;
    while (crm_csv_next(&c, &rec)) {
        FUZZ_CHECK(rec.count >= 1);
        for (size_t i = 0; i < rec.count; i++)
            FUZZ_CHECK(strlen(rec.fields[i]) <= size); /* a field is never longer than the input */
        records++;
        FUZZ_CHECK(records <= size); /* every record consumes at least one byte */
    }
    crm_arena_destroy(a);
    return 0;
}
