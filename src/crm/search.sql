-- search.sql - statements of search.c: one search box over contacts and deal titles

-- name: search
-- $1 the query in lower case, $2 its digits (or NULL), $3 how many, $4 the request's query
-- for the audit log, $5 whether deals are shown (deals.read) (contacts of sensitive types
-- found are logged as one search row, core migrations 0011 and 0022). The candidates come
-- from search_candidates() (db/migrations/0005), the records themselves through the app role.
-- returns: data, audited
WITH cand AS (
    SELECT * FROM search_candidates($1, $2, $3::int)
),
ranked AS (
    SELECT 'contact' AS kind,
        c.id,
        coalesce(nullif(btrim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')),
            ''), c.company) AS title,
        concat_ws(' · ', c.type, c.email, c.phone, c.company) AS subtitle,
        cand.score,
        CASE WHEN c.type = ANY (:sensitive_types) THEN c.id END AS subject
    FROM cand
    JOIN contacts c ON c.tenant_id = current_tenant_id() AND c.id = cand.id
    WHERE cand.kind = 'contact' AND c.deleted_at IS NULL
    UNION ALL
    SELECT 'deal', d.id, d.title, concat_ws(' · ', d.status, d.currency), cand.score, NULL
    FROM cand
    JOIN deals d ON d.tenant_id = current_tenant_id() AND d.id = cand.id
    WHERE cand.kind = 'deal' AND $5::boolean AND d.deleted_at IS NULL
)
SELECT coalesce(json_agg(json_build_object('kind', x.kind, 'id', x.id, 'title', x.title,
        'subtitle', x.subtitle, 'score', round(x.score::numeric, 3))
        ORDER BY x.score DESC, x.title), '[]') AS data,
    audit_page(current_tenant_id(), 'contacts', $4::jsonb, array_agg(x.subject), $3::int)
        AS audited
FROM (
    SELECT * FROM ranked ORDER BY score DESC, title LIMIT $3::int
) x;
