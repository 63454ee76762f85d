/* search.c - one search box over contacts (names, email, phone, company) and deal titles:
 * ranked, typo-tolerant for names and companies (trigram similarity), prefix-friendly for
 * email, any fragment of 3 or more digits for phone numbers; answered from trigram indexes
 * (docs/search.md shows why through search_candidates() and the plans at 1,000,000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/buf.h"
#include "core/db/db.h"
#include "core/db/listing.h"
#include "core/auth/rbac.h"
#include "core/http/request.h"
#include "crm/handlers.h"
#include "crm_search_sql.h"

void
crm_search(crm_req_t *r)
{
    const char *q = crm_req_query(r, "q"), *limit = crm_req_query(r, "limit");
    size_t n = q ? strlen(q) : 0;
    if (n < 2 || n > 100)
        crm_req_field_error(r, "query.q", "must be 2 to 100 characters");
    long lim = 20;
    if (limit) {
        char *end;
        lim = strtol(limit, &end, 10);
        if (*end || lim < 1 || lim > 50)
            crm_req_field_error(r, "query.limit", "must be an integer from 1 to 50");
    }
    if (r->errors) {
        crm_reply_problem(r, 400, "the search is not valid");
        return;
    }
    char *lower = crm_arena_strdup(r->arena, q), *digits = crm_arena_alloc(r->arena, n + 1);
    size_t nd = 0;
    for (char *p = lower; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
        else if (*p == '%' || *p == '_' || *p == '\\')
            *p = ' '; /* no wildcards from the client */
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    }
    digits[nd] = '\0';
    char lim_text[8];
    snprintf(lim_text, sizeof(lim_text), "%ld", lim);
    crm_tx_t *tx = crm_tx_new(r);
    const char *deals = crm_rbac_allows(r->role_id, "deals.read") ? "true" : "false";
    int i = CRM_TX_ADD(tx, crm_sql_search, lower, nd ? digits : NULL, lim_text,
                       crm_page_query_json(r), deals);
    if (crm_tx_run(tx) != 0)
        return;
    const char *rows = PQgetvalue(crm_tx_result(tx, i), 0, SEARCH_DATA);
    crm_buf_t b;
    crm_buf_init(&b, r->arena, strlen(rows) + 32);
    crm_buf_puts(&b, "{\"data\":");
    crm_buf_puts(&b, rows);
    crm_buf_puts(&b, "}");
    crm_reply(r, 200, "application/json", b.data, b.len);
}
