-- 0032: tenant_anchors, each tenant's one row among its tenant tables. A statement that
-- inserts rows only when its conditions hold (INSERT ... SELECT ... WHERE) selects them FROM
-- the tenant's anchor: Citus then runs the whole insert on the tenant's shard, where one
-- selecting from no tenant table it would evaluate on the coordinator and copy to the shard,
-- which row-level security refuses (COPY FROM under RLS). Rows come with the tenant (a trigger
-- on tenants), so no tenant is ever without one; on plain PostgreSQL the anchor costs an
-- index probe. docs/scaling.md.
SELECT citus_ddl_settings();

-- As in 0028, and, on a Citus cluster whose tables are not distributed yet (the first crm
-- migrate), nothing now: citus_distribute() distributes every table after the last migration,
-- when the tables a later migration of a module makes can still refer to local ones.
CREATE OR REPLACE FUNCTION crm_distribute(p_table regclass) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    IF citus_table('tenants') THEN
        PERFORM citus_convert(p_table, true);
    END IF;
END
$$;

CREATE TABLE tenant_anchors (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (id)
);
SELECT crm_distribute('tenant_anchors');
ALTER TABLE tenant_anchors ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_anchors FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_anchors FOR SELECT
    USING (tenant_id = current_tenant_id());
-- the owner adds them (tenant_anchor_add, below); the export reads them as the platform
CREATE POLICY anchor_keeper ON tenant_anchors TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY platform_all ON tenant_anchors TO crm_platform USING (true) WITH CHECK (true);
REVOKE ALL ON tenant_anchors FROM PUBLIC;
GRANT SELECT ON tenant_anchors TO crm_app;
GRANT SELECT, INSERT ON tenant_anchors TO crm_platform;

-- A new tenant's anchor (on Citus, by the node holding its shards: tenants is a reference
-- table, and the trigger fires on each node's copy).
CREATE FUNCTION tenant_anchor_add() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF tenant_owned_here(NEW.id) THEN
        INSERT INTO tenant_anchors (tenant_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER tenant_anchor AFTER INSERT ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenant_anchor_add();

-- The tenants there are: one insert each (a router insert on Citus).
DO $$
DECLARE
    t uuid;
BEGIN
    FOR t IN SELECT id FROM tenants ORDER BY id LOOP
        INSERT INTO tenant_anchors (tenant_id) VALUES (t) ON CONFLICT DO NOTHING;
    END LOOP;
END
$$;
