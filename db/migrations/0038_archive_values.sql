-- core 0038: a tenant archive's rows loaded with INSERT ... VALUES on a Citus cluster. The
-- import copies each table into a temporary table and inserts from it (crm tenant import,
-- docs/operations.md); from a table of the coordinator Citus moves rows to the shards by COPY,
-- which PostgreSQL refuses into a table under row-level security. VALUES go as a plain
-- insert to the tenant's shard. On plain PostgreSQL the import keeps its INSERT ... SELECT.

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

-- Moves sequence p_seq past the largest value tenant p_tenant's rows hold in column p_col of
-- p_table (p_key naming the tenant), so that an imported id is never drawn again; on a Citus
-- cluster, where each node draws from its own range of each sequence, on the node holding the
-- tenant's rows, where its new ids come from (citus_by_tenant).
CREATE FUNCTION archive_sequence_past(p_tenant uuid, p_table text, p_col text, p_key text,
                                      p_seq text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    top bigint;
    last bigint;
BEGIN
    EXECUTE format('SELECT max(%I) FROM %I WHERE %I = $1', p_col, p_table, p_key)
        INTO top USING p_tenant;
    EXECUTE format('SELECT last_value FROM %s', p_seq) INTO last;
    IF top > last THEN
        PERFORM setval(p_seq, top);
    END IF;
END
$$;
INSERT INTO citus_by_tenant (function)
VALUES ('archive_sequence_past(uuid,text,text,text,text)'::regprocedure::text);
