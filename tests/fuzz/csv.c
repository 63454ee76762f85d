/* csv.c - fuzz target of src/core/csv.c: any bytes, read record by record until the end or
 * the first fault. Kept thin: only the reader's public calls and limits. The reader's memory
 * must follow its longest record, not the input. */
#include "core/util/arena.h"
#include "core/util/csv.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    crm_arena_t *a = crm_arena_create(4096);
    crm_csv_t c;
    crm_csv_init(&c, a, (const char *)data, size);
    crm_csv_record_t rec;
    size_t records = 0, longest = 0;
    const char *before = c.p; /* where the record being read starts */
    for (; crm_csv_next(&c, &rec); before = c.p) {
        FUZZ_CHECK(rec.count >= 1 && rec.count <= CRM_CSV_MAX_FIELDS);
        for (size_t i = 0; i < rec.count; i++)
            FUZZ_CHECK(strlen(rec.fields[i]) <= CRM_CSV_MAX_FIELD_BYTES);
        FUZZ_CHECK(c.p > before); /* every record consumes input */
        if ((size_t)(c.p - before) > longest)
            longest = (size_t)(c.p - before);
        records++;
    }
    if (c.error)
        FUZZ_CHECK(c.fault != CRM_CSV_FAULT_NONE);
    if ((size_t)(c.p - before) > longest) /* a faulty record, read up to where it stopped */
        longest = (size_t)(c.p - before);
    /* the text buffer doubles up to the longest record: at most 4 bytes handed out per byte */
    FUZZ_CHECK(crm_arena_used(a) <= 4 * longest + 1024);
    crm_arena_destroy(a);
    return 0;
}
