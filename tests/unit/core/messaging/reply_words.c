/* reply_words.c - unit tests of src/core/messaging/reply_words.c: what a reply's first word asks */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/messaging/reply_words.h"

static void
expect(const char *body, crm_reply_intent_t intent, bool alone, bool provider_opt_out)
{
    crm_reply_words_t w = crm_reply_words(body);
    if (w.intent != intent || w.alone != alone || w.provider_opt_out != provider_opt_out)
        fail_msg("\"%s\": intent %d alone %d provider %d, expected %d %d %d", body, w.intent,
                 w.alone, w.provider_opt_out, intent, alone, provider_opt_out);
}

static void
test_confirm_words_as_the_first_word(void **state)
{
    (void)state;
    expect("C", CRM_REPLY_CONFIRM, true, false);
    expect("  yes \n", CRM_REPLY_CONFIRM, true, false);
    expect("Y.", CRM_REPLY_CONFIRM, true, false);
    expect("Confirm!", CRM_REPLY_CONFIRM, true, false);
    expect("Yes, see you then", CRM_REPLY_CONFIRM, false, false);
    expect("c thanks", CRM_REPLY_CONFIRM, false, false);
}

static void
test_cancel_words_only_alone(void **state)
{
    (void)state;
    expect("X", CRM_REPLY_CANCEL, true, false);
    expect("no", CRM_REPLY_CANCEL, true, false);
    expect(" No. ", CRM_REPLY_CANCEL, true, false);
    /* more words: it must not cancel anything */
    expect("No problem, see you then", CRM_REPLY_OTHER, false, false);
    expect("x marks the spot", CRM_REPLY_OTHER, false, false);
    expect("Cancel please", CRM_REPLY_OTHER, false, false);
}

static void
test_opt_out_words_and_twilio_s_own(void **state)
{
    (void)state;
    expect("STOP", CRM_REPLY_OPT_OUT, true, true);
    expect("stopall", CRM_REPLY_OPT_OUT, true, true);
    expect("Unsubscribe.", CRM_REPLY_OPT_OUT, true, true);
    expect("end", CRM_REPLY_OPT_OUT, true, true);
    expect("QUIT", CRM_REPLY_OPT_OUT, true, true);
    expect("revoke", CRM_REPLY_OPT_OUT, true, true);
    expect("optout", CRM_REPLY_OPT_OUT, true, true);
    /* Twilio blocks single words only: ours still opts out, Twilio did not */
    expect("Stop texting me", CRM_REPLY_OPT_OUT, false, false);
    /* CANCEL alone cancels, and Twilio has opted the sender out */
    expect("cancel", CRM_REPLY_CANCEL, true, true);
}

static void
test_anything_else(void **state)
{
    (void)state;
    expect("", CRM_REPLY_OTHER, false, false);
    expect("   ", CRM_REPLY_OTHER, false, false);
    expect(NULL, CRM_REPLY_OTHER, false, false);
    expect("Can I come at 3 instead?", CRM_REPLY_OTHER, false, false);
    expect("Cee", CRM_REPLY_OTHER, true, false);
    expect("stopped", CRM_REPLY_OTHER, true, false);
    expect("?!", CRM_REPLY_OTHER, false, false);
    expect("żółw", CRM_REPLY_OTHER, true, false);
    expect("averyveryverylongfirstwordindeed yes", CRM_REPLY_OTHER, false, false);
    assert_string_equal(crm_reply_intent_name(CRM_REPLY_CONFIRM), "confirm");
    assert_string_equal(crm_reply_intent_name(CRM_REPLY_CANCEL), "cancel");
    assert_string_equal(crm_reply_intent_name(CRM_REPLY_OPT_OUT), "opt_out");
    assert_string_equal(crm_reply_intent_name(CRM_REPLY_OTHER), "other");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confirm_words_as_the_first_word),
        cmocka_unit_test(test_cancel_words_only_alone),
        cmocka_unit_test(test_opt_out_words_and_twilio_s_own),
        cmocka_unit_test(test_anything_else),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
