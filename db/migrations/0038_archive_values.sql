-- core 0038: a tenant archive's rows loaded with INSERT ... VALUES on a Citus cluster. The
-- import copies each table into a temporary table and inserts from it (crm tenant import,
-- docs/operations.md); from a table of the coordinator Citus moves rows to the shards by COPY,
-- which PostgreSQL refuses into a table under row-level security. VALUES go as a plain
-- insert to the tenant's shard. On plain PostgreSQL the import keeps its INSERT ... SELECT.
-- Both functions are the owner's, who runs crm tenant import.

-- Inserts the rows of tenant p_tenant (column p_key) in the temporary table archive_load into
-- table p_table, columns p_cols (quoted, comma-separated, as archive_load has them), a
-- thousand rows a statement; returns how many.
CREATE FUNCTION archive_insert_values(p_table text, p_cols text, p_key text, p_tenant uuid)
    RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    literals text; -- each column's value as a literal, in a row's VALUES
    batch text[] := '{}';
    one text;
    done bigint := 0;
    n bigint;
BEGIN
    SELECT string_agg(format('quote_nullable(%s::text)', c), ' || '', '' || ')
      INTO literals FROM unnest(string_to_array(p_cols, ', ')) c;
    FOR one IN EXECUTE format('SELECT ''('' || %s || '')'' FROM archive_load WHERE %I = %L',
                              literals, p_key, p_tenant) LOOP
        batch := batch || one;
        IF cardinality(batch) = 1000 THEN
            EXECUTE format('INSERT INTO %I (%s) OVERRIDING SYSTEM VALUE VALUES %s', p_table,
                           p_cols, array_to_string(batch, ', '));
            GET DIAGNOSTICS n = ROW_COUNT;
            done := done + n;
            batch := '{}';
        END IF;
    END LOOP;
    IF cardinality(batch) > 0 THEN
        EXECUTE format('INSERT INTO %I (%s) OVERRIDING SYSTEM VALUE VALUES %s', p_table, p_cols,
                       array_to_string(batch, ', '));
        GET DIAGNOSTICS n = ROW_COUNT;
        done := done + n;
    END IF;
    RETURN done;
END
$$;
REVOKE ALL ON FUNCTION archive_insert_values(text, text, text, uuid) FROM PUBLIC;

-- Moves sequence p_seq past the largest value tenant p_tenant's rows hold in column p_col of
-- p_table (p_key naming the tenant), so that an imported id is never drawn again; on a Citus
-- cluster, where each node draws from its own range of each sequence, on the node holding the
-- tenant's rows, where its new ids come from (citus_by_tenant), and past the values within
-- that range only (an archive made where ids came from another node's range may hold values
-- this node never draws).
CREATE FUNCTION archive_sequence_past(p_tenant uuid, p_table text, p_col text, p_key text,
                                      p_seq text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    top bigint;
    last bigint;
    bound bigint;
BEGIN
    SELECT s.seqmax INTO bound FROM pg_sequence s WHERE s.seqrelid = p_seq::regclass;
    EXECUTE format('SELECT max(%I) FROM %I WHERE %I = $1 AND %I <= $2', p_col, p_table, p_key,
                   p_col)
        INTO top USING p_tenant, bound;
    EXECUTE format('SELECT last_value FROM %s', p_seq) INTO last;
    IF top > last THEN
        PERFORM setval(p_seq, top);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION archive_sequence_past(uuid, text, text, text, text) FROM PUBLIC;
INSERT INTO citus_by_tenant (function)
VALUES ('archive_sequence_past(uuid,text,text,text,text)'::regprocedure::text);
