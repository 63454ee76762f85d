/* listing.h - keyset-paginated lists: limit and cursor parameters, {"data", "next_cursor"} answers
 */
#ifndef CRM_CORE_LISTING_H
#define CRM_CORE_LISTING_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "core/util/buf.h"
#include "core/http/request.h"

#define CRM_LIST_DEFAULT_LIMIT 50
#define CRM_LIST_MAX_LIMIT     200

typedef struct crm_page {
    const char *list;      /* which list (and sort) the cursor belongs to */
    int limit;             /* rows the client asked for */
    char fetch[16];        /* limit + 1, as text: one more row tells whether a next page exists */
    const char *after_key; /* decoded cursor: sort key and id of the last row seen, or NULL */
    const char *after_id;
} crm_page_t;

/* Derives the key that signs cursors; call once at start-up (after the key set is loaded). */
void crm_listing_init(void);
/* Reads ?limit= and ?cursor= for the named list (sort included); answers 400 and returns false
 * when either is bad, a cursor was tampered with, or belongs to another list or tenant. */
bool crm_page_read(crm_req_t *r, crm_page_t *page, const char *list);
/* Reads the cursor in query parameter param into page (whose list must be set): true without
 * one; false after a field error on field when it was tampered with or belongs to another list
 * or tenant. crm_page_read uses it for ?cursor=. */
bool crm_page_read_cursor(crm_req_t *r, crm_page_t *page, const char *param, const char *field);
/* The signed cursor naming the position (sort key, id) in page's list; NULL when too long. */
char *crm_page_cursor(crm_req_t *r, const crm_page_t *page, const char *key, const char *id);
/* Ends a page whose items b holds after "{\"data\":[": the next cursor (NULL on the last
 * page), then replies 200 with it. */
void crm_reply_page_end(crm_req_t *r, crm_buf_t *b, const char *next);
/* The request's filters (its declared query parameters but limit and cursor) as a JSON
 * object, for the audit log. */
const char *crm_page_query_json(crm_req_t *r);

/* Replies 200 {"data": [...], "next_cursor": ...} from rows whose column 0 is the item's JSON,
 * column 1 its sort key (text) and column 2 its id. */
void crm_reply_page(crm_req_t *r, const crm_page_t *page, PGresult *rows);
/* The same with each item's JSON given (items[i] for row i) instead of column 0. */
void crm_reply_page_items(crm_req_t *r, const crm_page_t *page, PGresult *rows,
                          const char *const *items);

#endif
