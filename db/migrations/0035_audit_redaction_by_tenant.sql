-- core 0035: erasure's redaction of the audit log (0021, 0022) names its tenant, like the other
-- audit functions (0031), so that on a Citus cluster it runs on the tenant's node: there its
-- redacting setting reaches the shard's append-only trigger, which it would not from the
-- coordinator. The statements inside are plain (no modifying CTE, no subquery or volatile
-- call in the UPDATE), as Citus plans them on a shard. On plain PostgreSQL nothing changes.
--  - citus_by_tenant: the functions citus_functions() distributes by their p_tenant argument
--    (0031 kept them in an array); a module may add its own.
SELECT citus_ddl_settings();

-- The blanked form of an audit row's changes: every before/after that is not null becomes
-- "[erased]"; field names, and values that are not a before/after pair, stay.
CREATE FUNCTION audit_erased(p_changes jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT coalesce(jsonb_object_agg(e.key, CASE
                WHEN jsonb_typeof(e.value) = 'object' AND e.value ?| ARRAY['before', 'after']
                THEN jsonb_build_object(
                    'before', CASE WHEN coalesce(e.value -> 'before', 'null') = 'null'
                                   THEN 'null'::jsonb ELSE '"[erased]"' END,
                    'after', CASE WHEN coalesce(e.value -> 'after', 'null') = 'null'
                                  THEN 'null'::jsonb ELSE '"[erased]"' END)
                ELSE e.value END), '{}')
              FROM jsonb_each(p_changes) e);
END
$$;

-- Blanks the values of tenant p_tenant's (the transaction's) audit rows about erased contact
-- p_contact and records which rows it blanked, in one chained row. Returns how many.
CREATE FUNCTION audit_redact_contact(p_tenant uuid, p_contact uuid) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    kind text;
    ids bigint[];
    subject boolean;
    at timestamptz := clock_timestamp();
BEGIN
    PERFORM audit_own_tenant(p_tenant);
    SELECT c.type INTO kind FROM contacts c
     WHERE c.tenant_id = p_tenant AND c.id = p_contact AND c.erased_at IS NOT NULL;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    SELECT array_agg(l.id ORDER BY l.id) INTO ids FROM audit_log l
     WHERE l.tenant_id = p_tenant AND l.entity_type = 'contacts'
       AND l.entity_id = p_contact::text AND l.redacted_at IS NULL
       AND l.action IN ('create', 'update', 'delete', 'restore', 'merge')
       AND jsonb_typeof(l.changes) = 'object';
    IF ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM set_config('audit.redacting', 'on', true);
    UPDATE audit_log l SET redacted_at = at, changes = audit_erased(l.changes)
     WHERE l.tenant_id = p_tenant AND l.id = ANY (ids);
    PERFORM set_config('audit.redacting', 'off', true);
    SELECT t.sensitive INTO subject FROM contact_types t WHERE t.name = kind;
    PERFORM audit_write(p_tenant, 'erase', 'audit_log', p_contact::text,
                        CASE WHEN subject THEN p_contact END,
                        jsonb_build_object('rows', to_jsonb(ids)));
    RETURN cardinality(ids);
END
$$;
REVOKE ALL ON FUNCTION audit_redact_contact(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_redact_contact(uuid, uuid) TO crm_app;
DROP FUNCTION audit_redact_contact(uuid);

CREATE TABLE citus_by_tenant (
    function text PRIMARY KEY -- its regprocedure, as text
);
REVOKE ALL ON citus_by_tenant FROM PUBLIC;
INSERT INTO citus_by_tenant (function)
SELECT f::regprocedure::text
  FROM unnest(ARRAY['audit_write(uuid, text, text, text, uuid, jsonb)',
                    'audit_read(uuid, text, text, text, uuid, jsonb)',
                    'audit_page(uuid, text, jsonb, uuid[], int)',
                    'audit_security(uuid, text, jsonb)',
                    'audit_platform(uuid, jsonb)',
                    'audit_purge(uuid)',
                    'audit_redact_contact(uuid, uuid)']) f;

-- As in 0031, the functions by tenant from citus_by_tenant; with the roles that own functions
-- (crm_audit_retention, crm_platform, crm_worker) allowed to create in the schema while Citus
-- creates their functions on the workers (a worker's database made for a conversion, 0039,
-- has not had the grants the migrations made and took back on the coordinator), and without
-- checking the functions' bodies there, as they are created in an order that is not that of
-- their calls.
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
