-- core 0037: a merge moves the source's deals and activities by a function of their own, which
-- a Citus cluster runs on the tenant's node. An activity must name a deal of its own contact
-- (a foreign key on the pair), and neither move alone keeps that true: plain PostgreSQL
-- checked the pair once, at the end of the one merge statement, but Citus runs each write of
-- a statement apart and checks each at once. The key is now DEFERRABLE (still INITIALLY
-- IMMEDIATE: every other write is checked at once, as before), and the function defers it
-- for its two moves and checks it right after them, on the node that holds both tables.
-- (Citus refuses ON UPDATE CASCADE on a key holding the distribution column, and does not
-- pass SET CONSTRAINTS from the coordinator on to the workers.) docs/scaling.md.
SELECT citus_ddl_settings();

ALTER TABLE activities DROP CONSTRAINT activities_tenant_id_contact_id_deal_id_fkey;
ALTER TABLE activities ADD CONSTRAINT activities_tenant_id_contact_id_deal_id_fkey
    FOREIGN KEY (tenant_id, contact_id, deal_id) REFERENCES deals (tenant_id, contact_id, id)
    DEFERRABLE INITIALLY IMMEDIATE;

-- Moves the deals and activities of contact p_source to p_survivor, once the merge statement
-- made p_source a tombstone pointing at p_survivor (nothing otherwise).
CREATE FUNCTION contact_merge_move(p_tenant uuid, p_survivor uuid, p_source uuid) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    pair text := 'activities_tenant_id_contact_id_deal_id_fkey';
BEGIN
    IF NOT EXISTS (SELECT 1 FROM contacts c
                    WHERE c.tenant_id = p_tenant AND c.id = p_source
                      AND c.merged_into = p_survivor AND c.deleted_at IS NOT NULL) THEN
        RETURN;
    END IF;
    IF current_setting('citus.version', true) IS NOT NULL AND citus_present() THEN
        -- on the shard's node the key is the shard's, named with the shard's id
        EXECUTE 'SELECT $1 || ''_'' || get_shard_id_for_distribution_column(''activities'', $2)'
            INTO pair USING pair, p_tenant;
    END IF;
    EXECUTE format('SET CONSTRAINTS %I DEFERRED', pair);
    UPDATE deals SET contact_id = p_survivor, updated_at = now()
     WHERE tenant_id = p_tenant AND contact_id = p_source;
    UPDATE activities SET contact_id = p_survivor, updated_at = now()
     WHERE tenant_id = p_tenant AND contact_id = p_source;
    EXECUTE format('SET CONSTRAINTS %I IMMEDIATE', pair);
END
$$;
REVOKE ALL ON FUNCTION contact_merge_move(uuid, uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION contact_merge_move(uuid, uuid, uuid) TO crm_app;
INSERT INTO citus_by_tenant (function)
VALUES ('contact_merge_move(uuid,uuid,uuid)'::regprocedure::text);
