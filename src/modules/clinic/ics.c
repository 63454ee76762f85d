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
        if (text && (*p == ',' || *p == ';' || *p == '\\'))
            crm_buf_putc(&line, '\\');
        if (text && *p == '\n')
            crm_buf_puts(&line, "\\n");
        else if (*p != '\r')
            crm_buf_putc(&line, *p);
    }
    size_t col = 0;
    for (size_t i = 0; i < line.len; i++) {
        /* fold before 75 octets, never inside a UTF-8 sequence */
        if (col >= 74 && ((unsigned char)line.data[i] & 0xC0) != 0x80) {
            crm_buf_puts(b, "\r\n ");
            col = 1;
        }
        crm_buf_putc(b, line.data[i]);
        col++;
    }
    crm_buf_puts(b, "\r\n");
}
