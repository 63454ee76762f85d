-- core 0036: the contact search on a Citus cluster; on plain PostgreSQL nothing changes.
--  - search_candidates reads the tenant's search_entries from within the search statement,
--    which Citus runs on the tenant's shard: a local read there (citus_local_reads, 0031).
--  - Its search of five digits or more across the whole platform (0015) would be a query of
--    every shard from within one, which Citus refuses: on a cluster it searches within the
--    tenant, as for shorter fragments (a shard holds a thirty-second of the platform's rows).
--    Otherwise as in core 0015.
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
    IF length(coalesce(digits, '')) >= 5 AND q ~ '^[0-9 +().-]+$'
       AND current_setting('citus.version', true) IS NULL THEN
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
        -- a shorter part of a phone number (or any, on a Citus cluster, whose shards hold a
        -- part of the platform each): only the phone arm can match, within the tenant
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

SELECT citus_local_reads_add('search_candidates(text, text, integer)');
