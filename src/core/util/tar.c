/* tar.c - ustar headers (POSIX.1-1988 as extended by POSIX.1-2001's ustar format): the
 * fields are fixed-width, octal numbers are NUL-terminated, the checksum is the byte sum of
 * the header with its own field read as spaces. */
#include "core/util/tar.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Field offsets and widths of the ustar header. */
enum {
    TAR_NAME = 0,
    TAR_MODE = 100,
    TAR_UID = 108,
    TAR_GID = 116,
    TAR_SIZE = 124,
    TAR_MTIME = 136,
    TAR_CHKSUM = 148,
    TAR_TYPEFLAG = 156,
    TAR_MAGIC = 257,
    TAR_VERSION = 263,
    TAR_PREFIX = 345
};

static unsigned
crm_tar_checksum(const unsigned char *block)
{
    unsigned sum = 0;
    for (size_t i = 0; i < CRM_TAR_BLOCK; i++)
        sum += i >= TAR_CHKSUM && i < TAR_CHKSUM + 8 ? ' ' : block[i];
    return sum;
}

static bool
crm_tar_name_ok(const char *name, size_t len)
{
    if (len == 0 || name[0] == '/')
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x21 || (unsigned char)name[i] > 0x7e)
            return false;
    for (const char *p = name; p < name + len;) { /* no ".." part */
        size_t part = strcspn(p, "/");
        if (part == 2 && p[0] == '.' && p[1] == '.')
            return false;
        p += part + (p[part] == '/');
    }
    return true;
}

int
crm_tar_header(unsigned char block[CRM_TAR_BLOCK], const char *name, uint64_t size, time_t mtime)
{
    size_t len = strlen(name);
    if (len >= CRM_TAR_NAME_MAX || !crm_tar_name_ok(name, len) || size > CRM_TAR_SIZE_MAX)
        return -1;
    memset(block, 0, CRM_TAR_BLOCK);
    memcpy(block + TAR_NAME, name, len);
    memcpy(block + TAR_MODE, "0000644", 8);
    memcpy(block + TAR_UID, "0000000", 8);
    memcpy(block + TAR_GID, "0000000", 8);
    snprintf((char *)block + TAR_SIZE, 12, "%011llo", (unsigned long long)size);
    snprintf((char *)block + TAR_MTIME, 12, "%011llo",
             (unsigned long long)(mtime > 0 ? mtime : 0) & 077777777777ULL);
    block[TAR_TYPEFLAG] = '0';
    memcpy(block + TAR_MAGIC, "ustar", 6);
    memcpy(block + TAR_VERSION, "00", 2);
    snprintf((char *)block + TAR_CHKSUM, 8, "%06o", crm_tar_checksum(block) & 0777777);
    block[TAR_CHKSUM + 7] = ' ';
    return 0;
}

/* An octal field: digits, optionally led by spaces, ended by NUL or space. */
static bool
crm_tar_octal(const unsigned char *field, size_t width, uint64_t *out)
{
    size_t i = 0;
    while (i < width && field[i] == ' ')
        i++;
    uint64_t v = 0;
    size_t digits = 0;
    for (; i < width && field[i] >= '0' && field[i] <= '7'; i++, digits++)
        v = v * 8 + (uint64_t)(field[i] - '0');
    if (digits == 0 || digits > 11)
        return false;
    for (; i < width; i++)
        if (field[i] != '\0' && field[i] != ' ')
            return false;
    *out = v;
    return true;
}

static int
crm_tar_fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return -1;
}

int
crm_tar_read_header(const unsigned char block[CRM_TAR_BLOCK], crm_tar_entry_t *out, char *err,
                    size_t errlen)
{
    size_t zero = 0;
    while (zero < CRM_TAR_BLOCK && block[zero] == 0)
        zero++;
    if (zero == CRM_TAR_BLOCK)
        return 0;
    uint64_t sum, size, mtime;
    if (!crm_tar_octal(block + TAR_CHKSUM, 8, &sum) || sum != crm_tar_checksum(block))
        return crm_tar_fail(err, errlen, "a tar header's checksum does not match");
    if (memcmp(block + TAR_MAGIC, "ustar", 5) != 0)
        return crm_tar_fail(err, errlen, "not a ustar archive");
    if (block[TAR_TYPEFLAG] != '0' && block[TAR_TYPEFLAG] != '\0')
        return crm_tar_fail(err, errlen, "an entry is not a regular file");
    if (block[TAR_PREFIX] != 0)
        return crm_tar_fail(err, errlen, "an entry's name has a ustar prefix");
    size_t len = strnlen((const char *)block + TAR_NAME, CRM_TAR_NAME_MAX);
    if (len == CRM_TAR_NAME_MAX || !crm_tar_name_ok((const char *)block + TAR_NAME, len))
        return crm_tar_fail(err, errlen, "an entry's name is not a plain relative path");
    if (!crm_tar_octal(block + TAR_SIZE, 12, &size) ||
        !crm_tar_octal(block + TAR_MTIME, 12, &mtime))
        return crm_tar_fail(err, errlen, "an entry's size or time is not octal");
    memcpy(out->name, block + TAR_NAME, len);
    out->name[len] = '\0';
    out->size = size;
    out->mtime = (time_t)mtime;
    return 1;
}

size_t
crm_tar_padding(uint64_t size)
{
    return (size_t)((CRM_TAR_BLOCK - size % CRM_TAR_BLOCK) % CRM_TAR_BLOCK);
}
