-- listing.sql - what keyset-paginated lists share: the page written to the audit log

-- fragment: audited_page(entity, query, fetch, inner)
-- A page statement that writes its page to the audit log (audit_page(), core migrations 0011
-- and 0031) in the same statement: inner selects (item JSON, sort key, id, subject or NULL) in
-- page order with LIMIT fetch (the crm_page_t's fetch parameter), the subject being the contact
-- of a sensitive type the item shows (core migration 0022); query is the parameter holding
-- crm_page_query_json(). The statement answers (j, k, id) like any page; its rows come out of
-- the materialised page in the order inner made them.
WITH page (j, k, i, subject) AS MATERIALIZED (
    :inner
)
SELECT p.j, p.k, p.i AS id
FROM page p
WHERE (SELECT audit_page(current_tenant_id(), :entity, :query::jsonb, array_agg(q.subject),
    :fetch::int - 1) FROM page q)
