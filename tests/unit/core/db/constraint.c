/* constraint.c - unit tests of crm_db_constraint_is and crm_db_message_name (src/core/db/db.c):
 * a constraint named in an error is recognised by its name, also as a Citus shard's
 * (name_102008), and nothing else; a name is read from a message that gives it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* The name a message gives, as `name` of crm_db_message_name, "" for none. */
static char *
message_name(const char *msg, const char *word)
{
    static char out[128];
    const char *name;
    size_t n = crm_db_message_name(msg, word, &name);
    snprintf(out, sizeof(out), "%.*s", (int)n, n ? name : "");
    return out;
}

static void
test_names_in_messages(void **state)
{
    (void)state;
    assert_string_equal(message_name("insert or update on table \"contacts_102506\" violates "
                                     "foreign key constraint \"contacts_owner_fkey_102506\"",
                                     "constraint"),
                        "contacts_owner_fkey_102506");
    assert_string_equal(message_name("duplicate key value violates unique constraint "
                                     "\"tenants_slug_key_102008\"",
                                     "constraint"),
                        "tenants_slug_key_102008");
    assert_string_equal(message_name("null value in column \"name\" of relation \"deals_1\" "
                                     "violates not-null constraint",
                                     "column"),
                        "name");
    assert_string_equal(
        message_name("null value in column \"name\" violates not-null constraint", "constraint"),
        "");
    /* a trigger's own message may name its constraint in brackets (core 0033) */
    assert_string_equal(message_name("sms_sender is not one of the SMS senders assigned to the "
                                     "tenant (constraint \"tenants_sms_sender_assigned\")",
                                     "constraint"),
                        "tenants_sms_sender_assigned");
    assert_string_equal(message_name("subconstraint \"x\"", "constraint"), "");
    assert_string_equal(message_name("constraint \"\"", "constraint"), "");
    assert_string_equal(message_name("constraint \"open", "constraint"), "");
    assert_string_equal(message_name(NULL, "constraint"), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_shard_names),
        cmocka_unit_test(test_names_in_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
