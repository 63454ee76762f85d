/* constraint.c - unit tests of crm_db_constraint_is (src/core/db/db.c): a constraint named in
 * an error is recognised by its name, also as a Citus shard's (name_102008), and nothing else */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/db/db.h"

static void
test_names_and_shard_names(void **state)
{
    (void)state;
    assert_true(crm_db_constraint_is("tenants_slug_key", "tenants_slug_key"));
    assert_true(crm_db_constraint_is("tenants_slug_key_102008", "tenants_slug_key"));
    assert_false(crm_db_constraint_is(NULL, "tenants_slug_key"));
    assert_false(crm_db_constraint_is("tenants_slug", "tenants_slug_key"));
    assert_false(crm_db_constraint_is("tenants_slug_key_", "tenants_slug_key"));
    assert_false(crm_db_constraint_is("tenants_slug_key_x1", "tenants_slug_key"));
    assert_false(crm_db_constraint_is("tenants_slug_key2", "tenants_slug_key"));
    /* a longer constraint whose name begins with the other's */
    assert_false(crm_db_constraint_is("pipeline_stages_tenant_id_pipeline_id_name_key",
                                      "pipeline_stages_tenant_id"));
    assert_false(crm_db_constraint_is("idempotency_keys_pkey_12_3", "idempotency_keys_pkey"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_shard_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
