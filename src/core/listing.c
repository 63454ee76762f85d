/* listing.c - keyset-paginated lists: limit and cursor parameters, {"data", "next_cursor"} answers.
 * A cursor is base64url("<sort time>|<id>") of the last row of a page: the next page starts
 * after it, so a page deep in the list costs what the first does. */
#include "core/listing.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/uuid.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

bool
crm_page_read(crm_req_t *r, crm_page_t *page)
{
    memset(page, 0, sizeof(*page));
    page->limit = CRM_LIST_DEFAULT_LIMIT;
    const char *limit = crm_req_query(r, "limit");
    if (limit) {
        char *end;
        long v = strtol(limit, &end, 10);
        if (!*limit || *end || v < 1 || v > CRM_LIST_MAX_LIMIT)
            crm_req_field_error(r, "query.limit", "must be an integer from 1 to %d",
                                CRM_LIST_MAX_LIMIT);
        else
            page->limit = (int)v;
    }
    snprintf(page->fetch, sizeof(page->fetch), "%d", page->limit + 1);
    const char *cursor = crm_req_query(r, "cursor");
    if (cursor) {
        unsigned char raw[128];
        size_t n;
        char *bar;
        if (sodium_base642bin(raw, sizeof(raw) - 1, cursor, strlen(cursor), NULL, &n, NULL,
                              B64URL) != 0 ||
            (raw[n] = '\0', (bar = strrchr((char *)raw, '|')) == NULL) ||
            !crm_uuid_valid(bar + 1) || bar == (char *)raw) {
            crm_req_field_error(r, "query.cursor", "is not a cursor this list gave out");
        } else {
            *bar = '\0';
            page->after_time = crm_arena_strdup(r->arena, (char *)raw);
            page->after_id = crm_arena_strdup(r->arena, bar + 1);
        }
    }
    return r->errors == NULL;
}

void
crm_reply_page(crm_req_t *r, const crm_page_t *page, PGresult *rows)
{
    int n = PQntuples(rows);
    int shown = n > page->limit ? page->limit : n;
    crm_buf_t b;
    crm_buf_init(&b, r->arena, 256 + (size_t)shown * 256);
    crm_buf_puts(&b, "{\"data\":[");
    for (int i = 0; i < shown; i++) {
        if (i)
            crm_buf_putc(&b, ',');
        crm_buf_append(&b, PQgetvalue(rows, i, 0), (size_t)PQgetlength(rows, i, 0));
    }
    crm_buf_puts(&b, "],\"next_cursor\":");
    if (n > page->limit) {
        char *key = crm_arena_sprintf(r->arena, "%s|%s", PQgetvalue(rows, shown - 1, 1),
                                      PQgetvalue(rows, shown - 1, 2));
        size_t len = sodium_base64_ENCODED_LEN(strlen(key), B64URL);
        char *enc = crm_arena_alloc(r->arena, len);
        sodium_bin2base64(enc, len, (const unsigned char *)key, strlen(key), B64URL);
        crm_buf_json_string(&b, enc);
    } else {
        crm_buf_puts(&b, "null");
    }
    crm_buf_putc(&b, '}');
    crm_reply(r, 200, "application/json", b.data, b.len);
}
