/* reply_words.h - what a reply to a message asks for, read from its first word (docs/messaging.md,
 * Replies) */
#ifndef CRM_MESSAGING_REPLY_WORDS_H
#define CRM_MESSAGING_REPLY_WORDS_H

#include <stdbool.h>

typedef enum {
    CRM_REPLY_OTHER,   /* anything else: for someone to read */
    CRM_REPLY_CONFIRM, /* C, Y, YES, CONFIRM as the first word */
    CRM_REPLY_CANCEL,  /* X, NO, CANCEL as the whole reply */
    CRM_REPLY_OPT_OUT, /* STOP and the rest of Twilio's opt-out words as the first word */
} crm_reply_intent_t;

typedef struct crm_reply_words {
    crm_reply_intent_t intent;
    /* the word is the whole reply (besides spaces and . , ! ? ; :) */
    bool alone;
    /* the whole reply is one of Twilio's default opt-out words (STOP, STOPALL, UNSUBSCRIBE,
     * CANCEL, END, QUIT, REVOKE, OPTOUT): Twilio itself has blocked further messages to the
     * sender and answered it, so no answer of ours would be delivered */
    bool provider_opt_out;
} crm_reply_words_t;

/* Reads body (UTF-8): its first word, trimmed of spaces and trailing punctuation, compared
 * without regard to case. A cancel word followed by more ("No problem, see you then") is
 * CRM_REPLY_OTHER: it must not cancel anything. */
crm_reply_words_t crm_reply_words(const char *body);

/* "confirm", "cancel", "opt_out" or "other", as inbound_messages.intent stores it. */
const char *crm_reply_intent_name(crm_reply_intent_t intent);

#endif
