/* tar.c - unit tests of src/core/util/tar.c: headers written and read back, what GNU tar
 * writes, and every refusal of the reader */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/util/tar.h"

static void
test_round_trip(void **state)
{
    (void)state;
    unsigned char block[CRM_TAR_BLOCK];
    assert_int_equal(crm_tar_header(block, "tables/contacts.csv", 1234567, 1765000000), 0);
    crm_tar_entry_t e;
    char err[128];
    assert_int_equal(crm_tar_read_header(block, &e, err, sizeof(err)), 1);
    assert_string_equal(e.name, "tables/contacts.csv");
    assert_true(e.size == 1234567);
    assert_true(e.mtime == 1765000000);
    assert_int_equal(memcmp(block + 257,
                            "ustar\0"
                            "00",
                            8),
                     0);
    assert_int_equal(block[156], '0');
}

static void
test_padding(void **state)
{
    (void)state;
    assert_int_equal(crm_tar_padding(0), 0);
    assert_int_equal(crm_tar_padding(1), 511);
    assert_int_equal(crm_tar_padding(512), 0);
    assert_int_equal(crm_tar_padding(513), 511);
}

static void
test_end_of_archive(void **state)
{
    (void)state;
    unsigned char zero[CRM_TAR_BLOCK] = {0};
    crm_tar_entry_t e;
    char err[128];
    assert_int_equal(crm_tar_read_header(zero, &e, err, sizeof(err)), 0);
}

static void
test_writer_refuses(void **state)
{
    (void)state;
    unsigned char block[CRM_TAR_BLOCK];
    char longname[CRM_TAR_NAME_MAX + 1];
    memset(longname, 'a', CRM_TAR_NAME_MAX);
    longname[CRM_TAR_NAME_MAX] = '\0';
    assert_int_equal(crm_tar_header(block, longname, 1, 0), -1);
    longname[CRM_TAR_NAME_MAX - 1] = '\0'; /* 99 bytes: the longest */
    assert_int_equal(crm_tar_header(block, longname, 1, 0), 0);
    assert_int_equal(crm_tar_header(block, "", 1, 0), -1);
    assert_int_equal(crm_tar_header(block, "/etc/passwd", 1, 0), -1);
    assert_int_equal(crm_tar_header(block, "a/../b", 1, 0), -1);
    assert_int_equal(crm_tar_header(block, "a b", 1, 0), -1);
    assert_int_equal(crm_tar_header(block, "big", (uint64_t)CRM_TAR_SIZE_MAX + 1, 0), -1);
    assert_int_equal(crm_tar_header(block, "big", CRM_TAR_SIZE_MAX, 0), 0);
}

/* A header as written by hand, then resealed with its checksum. */
static void
seal(unsigned char *block)
{
    memset(block + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < CRM_TAR_BLOCK; i++)
        sum += block[i];
    snprintf((char *)block + 148, 8, "%06o", sum);
}

static void
test_reader_refuses(void **state)
{
    (void)state;
    unsigned char good[CRM_TAR_BLOCK], b[CRM_TAR_BLOCK];
    crm_tar_entry_t e;
    char err[128];
    assert_int_equal(crm_tar_header(good, "manifest.json", 10, 0), 0);

    memcpy(b, good, sizeof(b));
    b[0] = 'M'; /* changed after sealing */
    assert_int_equal(crm_tar_read_header(b, &e, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "checksum"));

    memcpy(b, good, sizeof(b));
    b[156] = '5'; /* a directory */
    seal(b);
    assert_int_equal(crm_tar_read_header(b, &e, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "regular file"));

    memcpy(b, good, sizeof(b));
    b[156] = '2'; /* a symbolic link */
    seal(b);
    assert_int_equal(crm_tar_read_header(b, &e, err, sizeof(err)), -1);

    memcpy(b, good, sizeof(b));
    memcpy(b, "../x", 5);
    seal(b);
    assert_int_equal(crm_tar_read_header(b, &e, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "relative path"));

    memcpy(b, good, sizeof(b));
    memset(b, 'x', CRM_TAR_NAME_MAX); /* not NUL-terminated */
    seal(b);
    assert_int_equal(crm_tar_read_header(b, &e, err, sizeof(err)), -1);

    memcpy(b, good, sizeof(b));
    b[345] = 'p'; /* a prefix */
    seal(b);
    assert_int_equal(crm_tar_read_header(b, &e, err, sizeof(err)), -1);

    memcpy(b, good, sizeof(b));
    memcpy(b + 124, "0000000009x", 12); /* not octal */
    seal(b);
    assert_int_equal(crm_tar_read_header(b, &e, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "octal"));

    memcpy(b, good, sizeof(b));
    memcpy(b + 257, "nottar", 6);
    seal(b);
    assert_int_equal(crm_tar_read_header(b, &e, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "ustar"));
}

/* The fields as GNU tar writes them ("ustar  \0" magic, space-led octal). */
static void
test_gnu_fields(void **state)
{
    (void)state;
    unsigned char b[CRM_TAR_BLOCK] = {0};
    memcpy(b, "archive.json", 12);
    memcpy(b + 100, "0000644", 8);
    memcpy(b + 124, "        17 ", 12);
    memcpy(b + 136, "14712345670", 12);
    b[156] = '0';
    memcpy(b + 257, "ustar  ", 8);
    seal(b);
    crm_tar_entry_t e;
    char err[128];
    assert_int_equal(crm_tar_read_header(b, &e, err, sizeof(err)), 1);
    assert_true(e.size == 15);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_padding),
        cmocka_unit_test(test_end_of_archive), cmocka_unit_test(test_writer_refuses),
        cmocka_unit_test(test_reader_refuses), cmocka_unit_test(test_gnu_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
