-- core 0015: phone fragments of five digits or more are looked up by their trigrams alone.
-- The trigram index is on (tenant_id, phone): with the tenant in the index condition, a
-- fragment search in the 1,000,000-contact tenant intersected that tenant's posting list
-- (a million entries) with the fragment's: 5.5-6 ms per search, most of the database time
-- of the search_phone scenario. Five digits occur in few phones of the whole platform (about
-- 90 at 1,100,000), so the function now finds those first and keeps the tenant's: 1.2-1.4 ms
-- in the large tenant, under 1 ms in small ones (EXPLAIN in docs/search.md). Shorter
-- fragments, common across tenants, keep the tenant in the index condition. Otherwise as in
-- core 0012.
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
    IF length(coalesce(digits, '')) >= 5 AND q ~ '^[0-9 +().-]+$' THEN
        -- five digits or more: few phones of the whole platform contain them, so their
        -- trigrams alone find the candidates, and the tenant filters them after the fence
        -- (with the tenant in the index condition the scan intersects the tenant's posting
        -- list, a million entries in a large tenant: 6 ms against 1.4 ms)
        RETURN QUERY EXECUTE $q$
            SELECT c.kind, c.id, 0.8::real FROM (
              SELECT s.tenant_id, s.kind, s.id, s.phone FROM search_entries s
               WHERE s.phone <> '' AND s.phone LIKE '%' || $2 || '%' OFFSET 0) c
             WHERE c.tenant_id = $1
             ORDER BY c.phone LIMIT $3 $q$
            USING t, digits, n;
        RETURN;
    END IF;
    IF length(coalesce(digits, '')) >= 3 AND q ~ '^[0-9 +().-]+$' THEN
        -- a shorter part of a phone number: only the phone arm can match, within the tenant
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
