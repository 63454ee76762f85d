-- core 0012: search answers prefix queries from btree indexes. A short prefix ("oli") matches
-- tens of thousands of names in a large tenant, and ranking every trigram candidate took
-- 60-200 ms at 1,000,000 contacts. Entries whose name, last name or email starts with the
-- query rank first anyway (score 1 or 0.9), so when at least n of them exist they are the
-- answer: three index range scans that stop after n rows each (under a millisecond). A query
-- of digits searches phones only; fewer than n prefix matches, or a typo, take the trigram
-- path as before.
-- The indexes use the C collation so that LIKE 'prefix%' is a range on them whatever the
-- database's collation; search_entries is read only by this function (no forced RLS).
CREATE INDEX search_entries_name_prefix ON search_entries (tenant_id, (name COLLATE "C"));
CREATE INDEX search_entries_last_prefix
    ON search_entries (tenant_id, (substring(name FROM '\S+$') COLLATE "C"));
CREATE INDEX search_entries_email_prefix ON search_entries (tenant_id, (email COLLATE "C"))
    WHERE email <> '';

CREATE OR REPLACE FUNCTION search_candidates(q text, digits text, n integer)
    RETURNS TABLE (kind text, id uuid, score real)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
    t uuid := current_tenant_id();
    pattern text := replace(replace(replace(q, '\', '\\'), '%', '\%'), '_', '\_') || '%';
    prefix text := $p$
        SELECT p.kind, p.id, max(p.score)::real AS score FROM (
          (SELECT s.kind, s.id, 1 AS score FROM search_entries s
            WHERE s.tenant_id = $1 AND (s.name COLLATE "C") LIKE $2
            ORDER BY s.name COLLATE "C" LIMIT $3)
          UNION ALL
          (SELECT s.kind, s.id, 1 FROM search_entries s
            WHERE s.tenant_id = $1 AND (substring(s.name FROM '\S+$') COLLATE "C") LIKE $2
            ORDER BY substring(s.name FROM '\S+$') COLLATE "C" LIMIT $3)
          UNION ALL
          (SELECT s.kind, s.id, 0.9 FROM search_entries s
            WHERE s.tenant_id = $1 AND s.email <> '' AND (s.email COLLATE "C") LIKE $2
            ORDER BY s.email COLLATE "C" LIMIT $3)) p
        GROUP BY p.kind, p.id ORDER BY 3 DESC, 2 LIMIT $3 $p$;
    kinds text[];
    ids uuid[];
    scores real[];
BEGIN
    IF t IS NULL THEN
        RETURN;
    END IF;
    IF length(coalesce(digits, '')) >= 3 AND q ~ '^[0-9 +().-]+$' THEN
        -- a phone number or part of one: only the phone arm can match (6 ms at 1,000,000)
        RETURN QUERY EXECUTE $q$
            SELECT s.kind, s.id, 0.8::real FROM search_entries s
             WHERE s.tenant_id = $1 AND s.phone <> '' AND s.phone LIKE '%' || $2 || '%'
             ORDER BY s.phone LIMIT $3 $q$
            USING t, digits, n;
        RETURN;
    END IF;
    IF length(coalesce(digits, '')) < 3 THEN
        -- kept aside, to be answered only if they fill the page (the caller ranks them)
        EXECUTE 'SELECT array_agg(p.kind), array_agg(p.id), array_agg(p.score) FROM ('
                || prefix || ') p' INTO kinds, ids, scores USING t, pattern, n;
        IF coalesce(cardinality(ids), 0) >= n THEN
            RETURN QUERY SELECT * FROM unnest(kinds, ids, scores);
            RETURN;
        END IF;
    END IF;
    RETURN QUERY EXECUTE $q$
        SELECT s.kind, s.id, greatest(similarity(s.name, $2), similarity(s.company, $2),
               CASE WHEN s.name LIKE $5 OR substring(s.name FROM '\S+$') LIKE $5 THEN 1 ELSE 0 END,
               CASE WHEN s.email LIKE $5 THEN 0.9 ELSE 0 END,
               CASE WHEN length($3) >= 3 AND s.phone LIKE '%' || $3 || '%' THEN 0.8 ELSE 0 END)::real
          FROM search_entries s
         WHERE s.tenant_id = $1
           AND (s.name % $2 OR s.name LIKE $5
                OR (substring(s.name FROM '\S+$') COLLATE "C") LIKE $5
                OR (s.company <> '' AND s.company % $2)
                OR (s.email <> '' AND s.email LIKE $5)
                OR (length($3) >= 3 AND s.phone <> '' AND s.phone LIKE '%' || $3 || '%'))
         ORDER BY 3 DESC LIMIT $4 $q$
        USING t, q, coalesce(digits, ''), n, pattern;
END
$$;
