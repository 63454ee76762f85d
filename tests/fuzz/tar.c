/* tar.c - fuzz target of src/core/util/tar.c: any bytes as a run of 512-byte header blocks. A
 * header read as an entry has a NUL-terminated, printable, relative name without a ".." part
 * and a size within ustar's limit; written again with that name and size, it reads back the
 * same; the padding of any size keeps the data block-aligned. */
#include "core/util/tar.h"
#include "fuzz.h"

static int
has_dotdot(const char *name)
{
    for (const char *p = name; *p;) {
        size_t part = strcspn(p, "/");
        if (part == 2 && p[0] == '.' && p[1] == '.')
            return 1;
        p += part + (p[part] == '/');
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (size_t off = 0; off + CRM_TAR_BLOCK <= size; off += CRM_TAR_BLOCK) {
        crm_tar_entry_t e, again;
        char err[128];
        int rc = crm_tar_read_header(data + off, &e, err, sizeof(err));
        FUZZ_CHECK(rc >= -1 && rc <= 1);
        if (rc != 1)
            continue;
        size_t len = strlen(e.name);
        FUZZ_CHECK(len > 0 && len < CRM_TAR_NAME_MAX && e.name[0] != '/');
        FUZZ_CHECK(!has_dotdot(e.name));
        for (size_t i = 0; i < len; i++)
            FUZZ_CHECK(e.name[i] > 0x20 && e.name[i] < 0x7f);
        FUZZ_CHECK(e.size <= CRM_TAR_SIZE_MAX);
        FUZZ_CHECK((e.size + crm_tar_padding(e.size)) % CRM_TAR_BLOCK == 0);
        unsigned char block[CRM_TAR_BLOCK];
        FUZZ_CHECK(crm_tar_header(block, e.name, e.size, e.mtime) == 0);
        FUZZ_CHECK(crm_tar_read_header(block, &again, err, sizeof(err)) == 1);
        FUZZ_CHECK(strcmp(again.name, e.name) == 0 && again.size == e.size &&
                   again.mtime == e.mtime);
    }
    return 0;
}
