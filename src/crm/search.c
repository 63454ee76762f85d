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
#include "crm/contacts.h"
#include "crm/handlers.h"

/* $1 the query in lower case, $2 its digits (or NULL), $3 how many, $4 the request's query
 * for the audit log, $5 whether deals are shown (deals.read) (contacts of sensitive types found
 * are logged as one search row, core migrations 0011 and 0022). The candidates come from
 * search_candidates() (db/migrations/0005), the records themselves through the app role. */
static const crm_stmt_t crm_stmt_search = {
    "core.search",
    "WITH cand AS (SELECT * FROM search_candidates($1, $2, $3::int)),"
    " ranked AS ("
    " SELECT 'contact' AS kind, c.id, coalesce(nullif(btrim(coalesce(c.first_name, '') || ' '"
    "   || coalesce(c.last_name, '')), ''), c.company) AS title,"
    "   concat_ws(' · ', c.type, c.email, c.phone, c.company) AS subtitle, cand.score,"
    "   CASE WHEN c.type = ANY (" CRM_SENSITIVE_TYPES ") THEN c.id END AS subject"
    "   FROM cand JOIN contacts c ON c.tenant_id = current_tenant_id() AND c.id = cand.id"
    "   WHERE cand.kind = 'contact' AND c.deleted_at IS NULL"
    " UNION ALL"
    " SELECT 'deal', d.id, d.title, concat_ws(' · ', d.status, d.currency), cand.score, NULL"
    "   FROM cand JOIN deals d ON d.tenant_id = current_tenant_id() AND d.id = cand.id"
    "   WHERE cand.kind = 'deal' AND $5::boolean AND d.deleted_at IS NULL)"
    " SELECT coalesce(json_agg(json_build_object('kind', x.kind, 'id', x.id, 'title', x.title,"
    " 'subtitle', x.subtitle, 'score', round(x.score::numeric, 3)) ORDER BY x.score DESC,"
    " x.title), '[]'), audit_page('contacts', $4::jsonb, array_agg(x.subject), $3::int)"
    " FROM (SELECT * FROM ranked ORDER BY score DESC, title LIMIT $3::int) x"};

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
    int i = crm_tx_add(
        tx, &crm_stmt_search, 5,
        (const char *[]){lower, nd ? digits : NULL, lim_text, crm_page_query_json(r), deals});
    if (crm_tx_run(tx) != 0)
        return;
    const char *rows = PQgetvalue(crm_tx_result(tx, i), 0, 0);
    crm_buf_t b;
    crm_buf_init(&b, r->arena, strlen(rows) + 32);
    crm_buf_puts(&b, "{\"data\":");
    crm_buf_puts(&b, rows);
    crm_buf_puts(&b, "}");
    crm_reply(r, 200, "application/json", b.data, b.len);
}
