/* twiml.c - writes the TwiML answer of a Twilio webhook: an empty <Response/> or one <Message> */
#include "core/messaging/twiml.h"

#include "core/util/buf.h"

#define CRM_TWIML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

char *
crm_twiml_response(crm_arena_t *a, const char *message)
{
    crm_buf_t b;
    crm_buf_init(&b, a, 128);
    crm_buf_puts(&b, CRM_TWIML_HEAD);
    if (!message) {
        crm_buf_puts(&b, "<Response/>\n");
        return b.data;
    }
    crm_buf_puts(&b, "<Response><Message>");
    for (const unsigned char *p = (const unsigned char *)message; *p; p++) {
        switch (*p) {
        case '&':
            crm_buf_puts(&b, "&amp;");
            break;
        case '<':
            crm_buf_puts(&b, "&lt;");
            break;
        case '>':
            crm_buf_puts(&b, "&gt;");
            break;
        case '"':
            crm_buf_puts(&b, "&quot;");
            break;
        case '\'':
            crm_buf_puts(&b, "&apos;");
            break;
        default:
            if (*p >= 0x20 || *p == '\t' || *p == '\n' || *p == '\r')
                crm_buf_putc(&b, (char)*p);
        }
    }
    crm_buf_puts(&b, "</Message></Response>\n");
    return b.data;
}
