/* tar.h - the headers of a POSIX ustar archive: written for regular files, read back with
 * every field checked. The caller moves the data; only names, sizes and padding live here. */
#ifndef CRM_CORE_UTIL_TAR_H
#define CRM_CORE_UTIL_TAR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum {
    CRM_TAR_BLOCK = 512,
    CRM_TAR_NAME_MAX = 100 /* names are shorter, NUL-terminated in the field; never split */
};
/* eleven octal digits: 8 GiB - 1 */
#define CRM_TAR_SIZE_MAX UINT64_C(077777777777)

/* One entry of an archive, as read from its header. */
typedef struct crm_tar_entry {
    char name[CRM_TAR_NAME_MAX + 1];
    uint64_t size;
    time_t mtime;
} crm_tar_entry_t;

/* Fills block with the header of a regular file (mode 0644) of this name, size and time.
 * 0, or -1 when the name is empty, CRM_TAR_NAME_MAX bytes or longer or holds a byte outside
 * printable ASCII, or the size exceeds CRM_TAR_SIZE_MAX. */
int crm_tar_header(unsigned char block[CRM_TAR_BLOCK], const char *name, uint64_t size,
                   time_t mtime);

/* Reads a header block: 1 and *out for a regular file; 0 for a zero block (the end of the
 * archive); -1 with why in err for anything else (a bad checksum, a field that is not octal,
 * a name not NUL-terminated or not printable ASCII, a name with a ".." part or a leading
 * "/", an entry that is not a regular file, a ustar prefix). */
int crm_tar_read_header(const unsigned char block[CRM_TAR_BLOCK], crm_tar_entry_t *out, char *err,
                        size_t errlen);

/* The zero bytes after size bytes of data that end its last block. */
size_t crm_tar_padding(uint64_t size);

#endif
