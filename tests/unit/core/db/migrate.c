/* migrate.c - unit tests of src/core/migrate.c: ordering, pending count, checksums */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/db/migrate.h"
#include "core/module.h"

static const crm_migration_t three[] = {
    {1, "0001_a", "CREATE TABLE a ();"},
    {2, "0002_b", "CREATE TABLE b ();"},
    {5, "0005_c", "CREATE TABLE c ();"},
    {0, NULL, NULL},
};

static void
test_checksum_is_sha256_hex(void **state)
{
    (void)state;
    char sum[CRM_CHECKSUM_HEX];
    crm_migration_checksum("", sum);
    assert_string_equal(sum, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    char other[CRM_CHECKSUM_HEX];
    crm_migration_checksum("CREATE TABLE a ();", other);
    assert_string_not_equal(sum, other);
}

static void
test_pending_counts_unapplied(void **state)
{
    (void)state;
    char sum1[CRM_CHECKSUM_HEX], err[256];
    crm_migration_checksum(three[0].sql, sum1);
    size_t pending;
    assert_int_equal(crm_migrate_check("m", three, NULL, 0, &pending, err, sizeof(err)), 0);
    assert_int_equal(pending, 3);
    crm_applied_t applied[] = {{"m", 1, sum1}, {"other", 2, "zz"}, {"m", 9, "from a newer binary"}};
    assert_int_equal(crm_migrate_check("m", three, applied, 3, &pending, err, sizeof(err)), 0);
    assert_int_equal(pending, 2);
}

static void
test_changed_migration_is_refused(void **state)
{
    (void)state;
    char err[256];
    size_t pending;
    crm_applied_t applied[] = {{"m", 2, "0000000000000000000000000000000000000000000000000000"}};
    assert_int_equal(crm_migrate_check("m", three, applied, 1, &pending, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "0002_b"));
    assert_non_null(strstr(err, "changed"));
}

static void
test_out_of_order_list_is_refused(void **state)
{
    (void)state;
    const crm_migration_t bad[] = {{2, "0002_b", "x"}, {1, "0001_a", "y"}, {0, NULL, NULL}};
    const crm_migration_t dup[] = {{1, "0001_a", "x"}, {1, "0001_b", "y"}, {0, NULL, NULL}};
    char err[256];
    size_t pending;
    assert_int_equal(crm_migrate_check("m", bad, NULL, 0, &pending, err, sizeof(err)), -1);
    assert_int_equal(crm_migrate_check("m", dup, NULL, 0, &pending, err, sizeof(err)), -1);
}

static void
test_embedded_migrations_are_ordered(void **state)
{
    (void)state;
    char err[256];
    size_t pending;
    for (const crm_module_t *const *m = crm_modules; *m; m++) {
        assert_int_equal(
            crm_migrate_check((*m)->name, (*m)->migrations, NULL, 0, &pending, err, sizeof(err)),
            0);
    }
    assert_string_equal(crm_modules[0]->name, "crm");
    assert_true(crm_modules[0]->migrations[0].version == 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum_is_sha256_hex),
        cmocka_unit_test(test_pending_counts_unapplied),
        cmocka_unit_test(test_changed_migration_is_refused),
        cmocka_unit_test(test_out_of_order_list_is_refused),
        cmocka_unit_test(test_embedded_migrations_are_ordered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
