/* reply_words.c - reads what a reply asks for from its first word: tables of words, no parsing
 * beyond that */
#include "core/messaging/reply_words.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#define CRM_REPLY_WORD_MAX 16

static const char *const crm_confirm_words[] = {"C", "Y", "YES", "CONFIRM", NULL};
static const char *const crm_cancel_words[] = {"X", "NO", "CANCEL", NULL};
/* Twilio's default opt-out keywords (its Advanced Opt-Out guide); CANCEL is also a cancel word */
static const char *const crm_provider_opt_out_words[] = {
    "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", NULL};

static bool
crm_reply_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool
crm_reply_punct(char c)
{
    return c == '.' || c == ',' || c == '!' || c == '?' || c == ';' || c == ':';
}

static bool
crm_reply_in(const char *word, const char *const *list)
{
    for (const char *const *w = list; *w; w++)
        if (strcasecmp(word, *w) == 0)
            return true;
    return false;
}

crm_reply_words_t
crm_reply_words(const char *body)
{
    crm_reply_words_t out = {CRM_REPLY_OTHER, false, false};
    const char *p = body ? body : "";
    while (crm_reply_space(*p))
        p++;
    const char *start = p;
    while (*p && !crm_reply_space(*p))
        p++;
    size_t len = (size_t)(p - start);
    while (len > 0 && crm_reply_punct(start[len - 1]))
        len--;
    if (len == 0 || len > CRM_REPLY_WORD_MAX)
        return out;
    char word[CRM_REPLY_WORD_MAX + 1];
    memcpy(word, start, len);
    word[len] = '\0';
    while (crm_reply_space(*p) || crm_reply_punct(*p))
        p++;
    out.alone = *p == '\0';
    out.provider_opt_out = out.alone && crm_reply_in(word, crm_provider_opt_out_words);
    if (crm_reply_in(word, crm_confirm_words))
        out.intent = CRM_REPLY_CONFIRM;
    else if (crm_reply_in(word, crm_cancel_words))
        out.intent = out.alone ? CRM_REPLY_CANCEL : CRM_REPLY_OTHER;
    else if (crm_reply_in(word, crm_provider_opt_out_words))
        out.intent = CRM_REPLY_OPT_OUT;
    return out;
}

const char *
crm_reply_intent_name(crm_reply_intent_t intent)
{
    switch (intent) {
    case CRM_REPLY_CONFIRM:
        return "confirm";
    case CRM_REPLY_CANCEL:
        return "cancel";
    case CRM_REPLY_OPT_OUT:
        return "opt_out";
    case CRM_REPLY_OTHER:
        break;
    }
    return "other";
}
