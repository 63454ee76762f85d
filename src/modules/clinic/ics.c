/* ics.c - iCalendar (RFC 5545) content lines: TEXT escaping and folding at 75 octets */
#include "modules/clinic/ics.h"

void
clinic_ics_line(crm_buf_t *b, const char *name, const char *value, bool text)
{
    crm_buf_t line;
    crm_buf_init(&line, b->arena, 128);
    crm_buf_puts(&line, name);
    crm_buf_putc(&line, ':');
    for (const char *p = value; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (text && (c == ',' || c == ';' || c == '\\'))
            crm_buf_putc(&line, '\\');
        if (text && c == '\n')
            crm_buf_puts(&line, "\\n");
        else if ((c >= 0x20 && c != 0x7f) || c == '\t') /* no CONTROL in a value (3.1) */
            crm_buf_putc(&line, *p);
    }
    size_t col = 0;
    for (size_t i = 0; i < line.len; i++) {
        /* fold so that a line keeps within 74 octets, never inside a UTF-8 sequence: before a
         * character's first byte when the whole character would not fit */
        unsigned char c = (unsigned char)line.data[i];
        size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if ((c & 0xC0) != 0x80 && col + n > 74) {
            crm_buf_puts(b, "\r\n ");
            col = 1;
        }
        crm_buf_putc(b, line.data[i]);
        col++;
    }
    crm_buf_puts(b, "\r\n");
}
