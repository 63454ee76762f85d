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
-- Empty tables, as a new database has, need no grant. docs/scaling.md.
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

-- As in 0035, with the roles that own functions (crm_audit_retention, crm_platform,
-- crm_worker) allowed to create in the schema while Citus creates their functions on the
-- workers: a worker's database made for a conversion has not had the grants the migrations
-- made and took back on the coordinator; and without checking the functions' bodies there,
-- as they are created in an order that is not that of their calls.
CREATE OR REPLACE FUNCTION citus_functions() RETURNS integer
    LANGUAGE plpgsql AS $$
DECLARE
    f record;
    done integer := 0;
    by_tenant regprocedure[] := ARRAY(SELECT b.function::regprocedure FROM citus_by_tenant b);
    owners text[];
BEGIN
    IF NOT citus_present() THEN
        RETURN 0;
    END IF;
    PERFORM citus_ddl_settings();
    -- a function's body may call another not yet created there
    PERFORM request_set('check_function_bodies', 'off');
    SELECT array_agg(DISTINCT p.proowner::regrole::text) INTO owners FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> current_user::regrole;
    FOR i IN 1 .. coalesce(cardinality(owners), 0) LOOP
        EXECUTE format('GRANT CREATE ON SCHEMA public TO %I', owners[i]);
    END LOOP;
    FOR f IN
        EXECUTE 'SELECT p.oid::regprocedure AS fn, p.oid = ANY ($1) AS by_tenant,'
                '       p.oid::regprocedure::text IN (SELECT r.function FROM citus_local_reads r)'
                '           AS local_reads'
                ' FROM pg_proc p'
                ' LEFT JOIN pg_dist_object o ON o.classid = ''pg_proc''::regclass'
                '     AND o.objid = p.oid'
                ' WHERE p.pronamespace = ''public''::regnamespace'
                '   AND NOT EXISTS (SELECT 1 FROM pg_depend d'
                '                    WHERE d.classid = ''pg_proc''::regclass'
                '                      AND d.objid = p.oid AND d.deptype = ''e'')'
                '   AND (o.objid IS NULL OR (p.oid = ANY ($1) AND o.force_delegation IS NOT TRUE))'
                ' ORDER BY 2 DESC, 1::text'
            USING by_tenant
    LOOP
        IF f.by_tenant OR f.local_reads THEN
            EXECUTE format('ALTER FUNCTION %s SET citus.allow_nested_distributed_execution = on',
                           f.fn);
        END IF;
        IF f.by_tenant THEN
            EXECUTE 'SELECT create_distributed_function($1::regprocedure, ''p_tenant'', '
                    'colocate_with => ''audit_log'', force_delegation => true)' USING f.fn::text;
        ELSE
            EXECUTE 'SELECT create_distributed_function($1::regprocedure)' USING f.fn::text;
        END IF;
        done := done + 1;
    END LOOP;
    FOR i IN 1 .. coalesce(cardinality(owners), 0) LOOP
        EXECUTE format('REVOKE CREATE ON SCHEMA public FROM %I', owners[i]);
    END LOOP;
    RETURN done;
END
$$;
