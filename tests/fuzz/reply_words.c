/* reply_words.c - fuzz target of src/core/messaging/reply_words.c: the input is an SMS reply's
 * body. Whatever it says, the reading is one of the four intents; a cancel is always the whole
 * reply; Twilio's opt-out is always a whole reply and an opt-out or a cancel; and prefixing the
 * body with spaces changes nothing. */
#include "core/messaging/reply_words.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = malloc(size + 3);
    if (!body)
        abort();
    body[0] = ' ';
    body[1] = ' ';
    memcpy(body + 2, data, size);
    body[size + 2] = '\0';
    crm_reply_words_t w = crm_reply_words(body + 2);
    FUZZ_CHECK(w.intent == CRM_REPLY_OTHER || w.intent == CRM_REPLY_CONFIRM ||
               w.intent == CRM_REPLY_CANCEL || w.intent == CRM_REPLY_OPT_OUT);
    FUZZ_CHECK(w.intent != CRM_REPLY_CANCEL || w.alone);
    FUZZ_CHECK(!w.provider_opt_out ||
               (w.alone && (w.intent == CRM_REPLY_OPT_OUT || w.intent == CRM_REPLY_CANCEL)));
    FUZZ_CHECK(crm_reply_intent_name(w.intent) != NULL);
    if (memchr(data, '\0', size) == NULL) {
        crm_reply_words_t spaced = crm_reply_words(body);
        FUZZ_CHECK(spaced.intent == w.intent && spaced.alone == w.alone &&
                   spaced.provider_opt_out == w.provider_opt_out);
    }
    free(body);
    return 0;
}
