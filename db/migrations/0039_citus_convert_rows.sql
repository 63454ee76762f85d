-- core 0039: converting a database that already holds rows to Citus. citus_distribute() (core
-- 0028, run by crm migrate) made each table a Citus table, and Citus copies a table's rows to
-- its shards by COPY, which PostgreSQL refuses into a table whose row-level security is forced
-- on its owner: on a populated database the conversion failed at its first table. While the
-- rows are copied, within the migration's transaction, the owner's forced security is lifted
-- and then set again (Citus passes it on to the shards). The application roles are never the
-- owner: their policies apply throughout. The copy also fires the shards' triggers, which
-- would write the rows' audit, anchors and search entries a second time: for a table with
-- rows, session_replication_role is 'replica' meanwhile (by SET LOCAL, which reaches the
-- workers; the role needs GRANT SET ON PARAMETER on every node, as a tenant import does).
-- Empty tables, as a new database has, need no grant. The functions follow with
-- citus_functions() (as of 0035). docs/scaling.md.
CREATE OR REPLACE FUNCTION citus_convert(p_table regclass, p_distributed boolean) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    forced boolean;
    has_rows boolean;
BEGIN
    IF citus_present() AND NOT citus_table(p_table) THEN
        PERFORM citus_ddl_settings();
        SELECT c.relforcerowsecurity INTO forced FROM pg_class c WHERE c.oid = p_table;
        IF forced THEN -- (before the rows are counted: the owner's policies hide them)
            EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', p_table);
        END IF;
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', p_table) INTO has_rows;
        IF has_rows THEN
            PERFORM request_set('session_replication_role', 'replica');
        END IF;
        IF p_distributed THEN
            EXECUTE 'SELECT create_distributed_table($1, ''tenant_id'', '
                    'colocate_with => ''default'')' USING p_table;
        ELSE
            EXECUTE 'SELECT create_reference_table($1)' USING p_table;
        END IF;
        IF forced THEN
            EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_table);
        END IF;
        IF has_rows THEN
            PERFORM request_set('session_replication_role', 'origin');
        END IF;
    END IF;
END
$$;
