/* listing.c - keyset-paginated lists: limit and cursor parameters, {"data", "next_cursor"} answers.
 * A cursor names the last row of a page (its sort key and id), so the next page starts right
 * after it: no duplicates or gaps while rows are added, and a page deep in the list costs what
 * the first does. Cursors carry an HMAC over the list, the tenant and the position, so a
 * tampered, foreign or other list's cursor is refused (400). */
#include "core/db/listing.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/b64url.h"
#include "core/util/buf.h"
#include "core/auth/jws.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING
/* A page statement's columns, as listing.h says (crm/records.h's CRM_PAGE_ROW checks them). */
enum { CRM_PAGE_ITEM, CRM_PAGE_SORT_KEY, CRM_PAGE_ITEM_ID };
#define CRM_CURSOR_TAG 16
#define CRM_CURSOR_MAX 512

static unsigned char crm_cursor_key[32];

void
crm_listing_init(void)
{
    crm_jws_derive_key("crm list cursor", crm_cursor_key);
}

static void
crm_cursor_tag(const char *list, const char *tenant, const char *pos, size_t pos_len,
               unsigned char tag[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, crm_cursor_key, sizeof(crm_cursor_key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)list, strlen(list) + 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)tenant, strlen(tenant) + 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)pos, pos_len);
    crypto_auth_hmacsha256_final(&st, tag);
}

bool
crm_page_read_cursor(crm_req_t *r, crm_page_t *page, const char *param, const char *field)
{
    const char *cursor = crm_req_query(r, param);
    if (!cursor)
        return true;
    unsigned char raw[CRM_CURSOR_MAX], tag[crypto_auth_hmacsha256_BYTES];
    long decoded = strlen(cursor) < sizeof(raw)
                       ? crm_b64url_decode(cursor, strlen(cursor), raw, sizeof(raw) - 1)
                       : -1;
    size_t n = decoded > 0 ? (size_t)decoded : 0;
    bool ok = n > CRM_CURSOR_TAG;
    if (ok) {
        size_t pos_len = n - CRM_CURSOR_TAG;
        crm_cursor_tag(page->list, r->tenant_id ? r->tenant_id : "", (const char *)raw, pos_len,
                       tag);
        ok = sodium_memcmp(tag, raw + pos_len, CRM_CURSOR_TAG) == 0;
        raw[pos_len] = '\0';
    }
    char *bar = ok ? strrchr((char *)raw, '|') : NULL;
    /* the tag vouches for the content: the id is whatever this server put there (a uuid, or a
     * number for the audit log) */
    if (!bar || bar[1] == '\0') {
        crm_req_field_error(r, field, "is not a cursor this list gave out");
        return false;
    }
    *bar = '\0';
    page->after_key = crm_arena_strdup(r->arena, (char *)raw);
    page->after_id = crm_arena_strdup(r->arena, bar + 1);
    return true;
}

bool
crm_page_read(crm_req_t *r, crm_page_t *page, const char *list)
{
    memset(page, 0, sizeof(*page));
    page->list = list;
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
    crm_page_read_cursor(r, page, "cursor", "query.cursor");
    if (r->errors) {
        crm_reply_problem(r, 400, "the list parameters are not valid");
        return false;
    }
    return true;
}

char *
crm_page_cursor(crm_req_t *r, const crm_page_t *page, const char *key, const char *id)
{
    const char *pos = crm_arena_sprintf(r->arena, "%s|%s", key, id);
    size_t pos_len = strlen(pos);
    if (pos_len + CRM_CURSOR_TAG >= CRM_CURSOR_MAX)
        return NULL;
    unsigned char raw[CRM_CURSOR_MAX], tag[crypto_auth_hmacsha256_BYTES];
    memcpy(raw, pos, pos_len);
    crm_cursor_tag(page->list, r->tenant_id ? r->tenant_id : "", pos, pos_len, tag);
    memcpy(raw + pos_len, tag, CRM_CURSOR_TAG);
    size_t len = sodium_base64_ENCODED_LEN(pos_len + CRM_CURSOR_TAG, B64URL);
    char *enc = crm_arena_alloc(r->arena, len);
    sodium_bin2base64(enc, len, raw, pos_len + CRM_CURSOR_TAG, B64URL);
    return enc;
}

void
crm_reply_page(crm_req_t *r, const crm_page_t *page, PGresult *rows)
{
    crm_reply_page_items(r, page, rows, NULL);
}

void
crm_reply_page_items(crm_req_t *r, const crm_page_t *page, PGresult *rows, const char *const *items)
{
    int n = PQntuples(rows);
    int shown = n > page->limit ? page->limit : n;
    crm_buf_t b;
    crm_buf_init(&b, r->arena, 256 + (size_t)shown * 256);
    crm_buf_puts(&b, "{\"data\":[");
    for (int i = 0; i < shown; i++) {
        if (i)
            crm_buf_putc(&b, ',');
        if (items)
            crm_buf_puts(&b, items[i]);
        else
            crm_buf_append(&b, PQgetvalue(rows, i, CRM_PAGE_ITEM),
                           (size_t)PQgetlength(rows, i, CRM_PAGE_ITEM));
    }
    crm_reply_page_end(
        r, &b,
        n > page->limit ? crm_page_cursor(r, page, PQgetvalue(rows, shown - 1, CRM_PAGE_SORT_KEY),
                                          PQgetvalue(rows, shown - 1, CRM_PAGE_ITEM_ID))
                        : NULL);
}

void
crm_reply_page_end(crm_req_t *r, crm_buf_t *b, const char *next)
{
    crm_buf_puts(b, "],\"next_cursor\":");
    if (next)
        crm_buf_json_string(b, next);
    else
        crm_buf_puts(b, "null");
    crm_buf_putc(b, '}');
    crm_reply(r, 200, "application/json", b->data, b->len);
}

const char *
crm_page_query_json(crm_req_t *r)
{
    crm_buf_t b;
    crm_buf_init(&b, r->arena, 128);
    crm_buf_putc(&b, '{');
    const char *const *names = r->match.route ? r->match.route->query : NULL;
    bool first = true;
    for (; names && *names; names++) {
        const char *v = crm_req_query(r, *names);
        if (!v || strcmp(*names, "cursor") == 0 || strcmp(*names, "limit") == 0)
            continue;
        if (!first)
            crm_buf_putc(&b, ',');
        first = false;
        crm_buf_json_string(&b, *names);
        crm_buf_putc(&b, ':');
        crm_buf_json_string(&b, v);
    }
    crm_buf_putc(&b, '}');
    return b.data;
}
