/* tenant_modules.c - unit tests of src/core/auth/tenant_modules.c: a reload whose snapshot may
 * predate this process's own change does not undo it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/auth/tenant_modules.h"

static const char *const A = "11111111-1111-4111-8111-111111111111";
static const char *const B = "22222222-2222-4222-8222-222222222222";

/* Rows as the tenant_modules_enabled statement answers them: (tenant_id, module). */
static PGresult *
rows(const char *const *pairs, int n)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc cols[2] = {{.name = (char *)"tenant_id", .format = 0},
                            {.name = (char *)"module", .format = 0}};
    assert_int_equal(PQsetResultAttrs(res, 2, cols), 1);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 2; c++)
            assert_int_equal(
                PQsetvalue(res, i, c, (char *)pairs[2 * i + c], (int)strlen(pairs[2 * i + c])), 1);
    return res;
}

static int
teardown(void **state)
{
    (void)state;
    crm_tenant_modules_free();
    return 0;
}

static void
test_a_reload_replaces_the_map(void **state)
{
    (void)state;
    const char *const pairs[] = {A, "clinic"};
    PGresult *r = rows(pairs, 1);
    crm_tenant_modules_load(r, crm_tenant_modules_mark());
    PQclear(r);
    assert_true(crm_tenant_module_enabled(A, "clinic"));
    assert_false(crm_tenant_module_enabled(B, "clinic"));
    r = rows(pairs, 0);
    crm_tenant_modules_load(r, crm_tenant_modules_mark());
    PQclear(r);
    assert_false(crm_tenant_module_enabled(A, "clinic"));
}

static void
test_a_change_made_after_the_mark_survives_a_reload_that_missed_it(void **state)
{
    (void)state;
    uint64_t mark = crm_tenant_modules_mark(); /* the reload's snapshot starts here */
    crm_tenant_modules_set(B, "clinic", true); /* a tenant made meanwhile, committed */
    const char *const pairs[] = {A, "clinic"};
    PGresult *r = rows(pairs, 1); /* the snapshot did not see B */
    crm_tenant_modules_load(r, mark);
    PQclear(r);
    assert_true(crm_tenant_module_enabled(B, "clinic"));
    assert_true(crm_tenant_module_enabled(A, "clinic"));

    /* switched off meanwhile: a stale snapshot that still has it on does not switch it back */
    mark = crm_tenant_modules_mark();
    crm_tenant_modules_set(A, "clinic", false);
    r = rows(pairs, 1);
    crm_tenant_modules_load(r, mark);
    PQclear(r);
    assert_false(crm_tenant_module_enabled(A, "clinic"));
}

static void
test_changes_before_the_mark_are_the_snapshots_to_say(void **state)
{
    (void)state;
    crm_tenant_modules_set(A, "clinic", true);
    uint64_t mark = crm_tenant_modules_mark(); /* committed before the snapshot began */
    PGresult *r = rows(NULL, 0);               /* and switched off since, by another process */
    crm_tenant_modules_load(r, mark);
    PQclear(r);
    assert_false(crm_tenant_module_enabled(A, "clinic"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_a_reload_replaces_the_map, teardown),
        cmocka_unit_test_teardown(
            test_a_change_made_after_the_mark_survives_a_reload_that_missed_it, teardown),
        cmocka_unit_test_teardown(test_changes_before_the_mark_are_the_snapshots_to_say, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
