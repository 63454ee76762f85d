-- 0028: on a Citus cluster, the tables of tenants' rows are distributed by tenant_id, colocated,
-- and the global catalogues become reference tables; on plain PostgreSQL nothing changes.
-- crm migrate calls citus_distribute() after every run (so tables that modules' migrations made
-- since are distributed too); it does nothing where the citus extension is not installed. A
-- later migration that creates a tenant table distributes it at once with crm_distribute(),
-- before it adds foreign keys to other tenant tables (Citus refuses a local table's key to a
-- distributed one). docs/scaling.md.

-- Whether this database runs Citus.
CREATE FUNCTION citus_present() RETURNS boolean
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus');
END
$$;

-- Whether p_table is already a Citus table (distributed or reference).
CREATE FUNCTION citus_table(p_table regclass) RETURNS boolean
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    found boolean;
BEGIN
    IF NOT citus_present() THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = $1)'
        INTO found USING p_table;
    RETURN found;
END
$$;

-- The settings a distribution needs in its transaction: DDL over one connection per node (the
-- tables have foreign keys to reference tables), triggers kept (they run on the shards), and no
-- automatic conversion of local tables that refer to a reference table.
CREATE FUNCTION citus_ddl_settings() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
    PERFORM set_config('citus.enable_local_reference_table_foreign_keys', 'off', true);
END
$$;

-- Makes p_table a Citus table: distributed by tenant_id, colocated with the other tenant tables
-- (p_distributed), or a reference table, a copy on every node (a global catalogue); a no-op
-- without Citus or when done.
CREATE FUNCTION citus_convert(p_table regclass, p_distributed boolean) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    IF citus_present() AND NOT citus_table(p_table) THEN
        PERFORM citus_ddl_settings();
        IF p_distributed THEN
            EXECUTE 'SELECT create_distributed_table($1, ''tenant_id'', '
                    'colocate_with => ''default'')' USING p_table;
        ELSE
            EXECUTE 'SELECT create_reference_table($1)' USING p_table;
        END IF;
    END IF;
END
$$;

-- What a later migration calls right after creating tenant table p_table.
CREATE FUNCTION crm_distribute(p_table regclass) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM citus_convert(p_table, true);
END
$$;

-- time_zone_names (core 0014) stays a plain table of each node, filled from that node's own
-- time zone data: is_time_zone() reads it in tenants' CHECK, which runs on every node holding a
-- copy of tenants, and a shard may not query a Citus table. Made on the workers here (again
-- after a worker joins: run crm migrate after citus_add_node).
CREATE FUNCTION citus_node_local_tables() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'SELECT run_command_on_workers($c$'
        'CREATE TABLE IF NOT EXISTS public.time_zone_names (name text PRIMARY KEY); '
        'INSERT INTO public.time_zone_names SELECT DISTINCT name FROM pg_timezone_names '
        'ON CONFLICT DO NOTHING; GRANT SELECT ON public.time_zone_names TO PUBLIC$c$)';
END
$$;

-- Every table of the schema not yet a Citus table, each after the tables it refers to: the
-- global catalogues (no tenant_id column) as reference tables, the tenant tables distributed.
-- schema_migrations stays on the coordinator, where crm migrate runs, and time_zone_names on
-- each node (above). Returns how many it did.
CREATE FUNCTION citus_distribute() RETURNS integer
    LANGUAGE plpgsql AS $$
DECLARE
    t record;
    done integer := 0;
BEGIN
    IF NOT citus_present() THEN
        RETURN 0;
    END IF;
    PERFORM citus_node_local_tables();
    FOR t IN
        WITH RECURSIVE tables AS (
            SELECT c.oid,
                EXISTS (SELECT 1 FROM pg_attribute a
                         WHERE a.attrelid = c.oid AND a.attname = 'tenant_id') AS tenant
              FROM pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
               AND c.relname NOT IN ('schema_migrations', 'time_zone_names')
        ),
        refs AS (
            SELECT f.conrelid AS child, f.confrelid AS parent
              FROM pg_constraint f
             WHERE f.contype = 'f' AND f.conrelid <> f.confrelid
               AND f.conrelid IN (SELECT oid FROM tables)
        ),
        depth (oid, n) AS (
            SELECT oid, 0 FROM tables
            UNION ALL
            SELECT r.child, d.n + 1 FROM depth d JOIN refs r ON r.parent = d.oid WHERE d.n < 64
        )
        SELECT d.oid::regclass AS tbl, bool_or(x.tenant) AS tenant
          FROM depth d
          JOIN tables x ON x.oid = d.oid
         GROUP BY d.oid
        HAVING NOT citus_table(d.oid)
         ORDER BY max(d.n), d.oid::regclass::text
    LOOP
        PERFORM citus_convert(t.tbl, t.tenant);
        done := done + 1;
    END LOOP;
    RETURN done;
END
$$;
