/* twiml.c - unit tests of src/core/messaging/twiml.c: the TwiML answers of Twilio's webhooks */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/messaging/twiml.h"

static void
test_nothing_to_send(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(1024);
    assert_string_equal(crm_twiml_response(a, NULL),
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response/>\n");
    crm_arena_destroy(a);
}

static void
test_one_message_escaped(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(1024);
    assert_string_equal(crm_twiml_response(a, "Tom & Jerry's <Clinic> \"é\"\n\x01\x1f\tok"),
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Message>"
                        "Tom &amp; Jerry&apos;s &lt;Clinic&gt; &quot;é&quot;\n\tok"
                        "</Message></Response>\n");
    assert_string_equal(crm_twiml_response(a, ""),
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Message>"
                        "</Message></Response>\n");
    crm_arena_destroy(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_to_send),
        cmocka_unit_test(test_one_message_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
