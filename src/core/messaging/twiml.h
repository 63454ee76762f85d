/* twiml.h - the TwiML a Twilio webhook is answered with: nothing to send, or one message */
#ifndef CRM_MESSAGING_TWIML_H
#define CRM_MESSAGING_TWIML_H

#include "core/util/arena.h"

/* The answer's media type. */
#define CRM_TWIML_TYPE "application/xml"

/* An XML document <Response/> (message NULL: Twilio sends nothing back), or
 * <Response><Message>message</Message></Response>: Twilio sends message (UTF-8) to whoever
 * wrote, from the number written to. The text is escaped (& < > " ') and characters XML 1.0
 * cannot hold (controls other than tab, LF and CR) are left out. In the arena. */
char *crm_twiml_response(crm_arena_t *a, const char *message);

#endif
