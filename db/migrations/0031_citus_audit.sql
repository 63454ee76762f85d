-- 0031: the audit log's write path on a Citus cluster, where every write of a tenant's chain
-- must run on the node holding that tenant's shards (its chain lock and pending state live in
-- that node's backend). On plain PostgreSQL the behaviour is unchanged. docs/scaling.md.
--  - Triggers get the logical name of their table as an argument: on a shard, TG_TABLE_NAME is
--    the shard's (contacts_102008). audit_capture(table, contact column), search_entries_sync
--    (kind), audit_refuse_change(table).
--  - tenants is a reference table, a copy on every node, and its trigger fires on each copy:
--    only the node holding the tenant's shards writes the row (tenant_owned_here).
--  - The audit functions a statement calls name the tenant first (p_tenant, which must be the
--    transaction's): Citus runs a call with a tenant given as a value on that tenant's node
--    (citus_functions: distributed functions colocated with audit_log).
SELECT citus_ddl_settings();

-- Whether this node holds tenant p_tenant's rows: always without Citus; with it, where the
-- tenant's shards (audit_log's, and every colocated table's) are placed.
CREATE FUNCTION tenant_owned_here(p_tenant uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    here boolean;
BEGIN
    IF current_setting('citus.version', true) IS NULL OR NOT citus_present() THEN
        RETURN true;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_dist_placement p'
            ' WHERE p.shardid = get_shard_id_for_distribution_column(''audit_log'', $1)'
            ' AND p.groupid = (SELECT g.groupid FROM pg_dist_local_group g))'
        INTO here USING p_tenant;
    RETURN here;
END
$$;

-- As in 0022, the table's logical name from TG_ARGV[0] and the contact column from
-- TG_ARGV[1]; a change of tenants is written by one node only.
CREATE OR REPLACE FUNCTION audit_capture() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    tbl text := TG_ARGV[0];
    o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    r jsonb := coalesce(n, o);
    tenant uuid := CASE WHEN tbl = 'tenants' THEN (r ->> 'id')::uuid
                        ELSE (r ->> 'tenant_id')::uuid END;
    secret text[] := ARRAY['password_hash', 'token_hash', 'secret', 'key_hash'];
    quiet text[] := ARRAY['updated_at', 'version', 'email_key', 'name_key'];
    act text := lower(TG_OP);
    diff jsonb;
    contact uuid;
    subject uuid;
BEGIN
    IF tbl = 'tenants' AND NOT tenant_owned_here(tenant) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        act := 'create';
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT jsonb_object_agg(e.key, CASE WHEN e.key = ANY (secret)
                   THEN '{"before": "[masked]", "after": "[masked]"}'::jsonb
                   ELSE jsonb_build_object('before', o -> e.key, 'after', e.value) END)
          INTO diff
          FROM jsonb_each(n) e
         WHERE e.value IS DISTINCT FROM o -> e.key AND NOT e.key = ANY (quiet);
        IF diff IS NULL THEN
            RETURN NULL;
        END IF;
        act := CASE WHEN diff ? 'erased_at' AND n ->> 'erased_at' IS NOT NULL THEN 'erase'
                    WHEN diff ? 'merged_into' AND n ->> 'merged_into' IS NOT NULL THEN 'merge'
                    WHEN diff ? 'deleted_at' AND n ->> 'deleted_at' IS NOT NULL THEN 'delete'
                    WHEN diff ? 'deleted_at' THEN 'restore'
                    ELSE 'update' END;
        IF act = 'erase' THEN -- which fields were erased, never their values
            SELECT jsonb_object_agg(key, '{"before": "[erased]", "after": null}'::jsonb)
              INTO diff FROM jsonb_each(diff);
        END IF;
    END IF;
    IF TG_NARGS > 1 THEN
        contact := (r ->> TG_ARGV[1])::uuid;
        IF tbl = 'contacts' THEN
            SELECT contact INTO subject FROM contact_types t
             WHERE t.name = r ->> 'type' AND t.sensitive;
        ELSIF contact IS NOT NULL THEN
            SELECT c.id INTO subject FROM contacts c JOIN contact_types t ON t.name = c.type
             WHERE c.tenant_id = tenant AND c.id = contact AND t.sensitive;
        END IF;
    END IF;
    PERFORM audit_write(tenant, act, tbl, coalesce(r ->> 'id', r ->> 'module'), subject, diff);
    RETURN NULL;
END
$$;

-- As in 0013, with the table's name as the trigger's first argument.
CREATE OR REPLACE FUNCTION audit_attach(tbl regclass, contact_column text DEFAULT NULL)
    RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE CONSTRAINT TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON %s'
                   ' DEFERRABLE INITIALLY DEFERRED'
                   ' FOR EACH ROW EXECUTE FUNCTION audit_capture(%L%s)',
                   tbl, (SELECT c.relname FROM pg_class c WHERE c.oid = tbl),
                   coalesce(', ' || quote_literal(contact_column), ''));
END
$$;

-- The tables audited so far (modules' included) get the trigger again, with their names.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tgrelid::regclass AS tbl,
                    CASE WHEN tgnargs > 0
                         THEN split_part(encode(tgargs, 'escape'), '\000', 1) END AS col
               FROM pg_trigger
              WHERE tgname = 'audit' AND tgfoid = 'audit_capture'::regproc
                AND tgrelid IN (SELECT c.oid FROM pg_class c
                                 WHERE c.relnamespace = 'public'::regnamespace) LOOP
        EXECUTE format('DROP TRIGGER audit ON %s', t.tbl);
        PERFORM audit_attach(t.tbl, t.col);
    END LOOP;
END
$$;

-- As in 0005, the kind of entry (contact or deal) from the trigger's argument.
CREATE OR REPLACE FUNCTION search_entries_sync() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    k text := TG_ARGV[0];
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM search_entries WHERE tenant_id = OLD.tenant_id AND kind = k AND id = OLD.id;
        RETURN NULL;
    END IF;
    IF NEW.deleted_at IS NOT NULL THEN
        DELETE FROM search_entries WHERE tenant_id = NEW.tenant_id AND kind = k AND id = NEW.id;
        RETURN NULL;
    END IF;
    IF k = 'contact' THEN
        INSERT INTO search_entries (tenant_id, kind, id, name, company, email, phone)
        VALUES (NEW.tenant_id, k, NEW.id,
                lower(coalesce(NEW.first_name, '') || ' ' || coalesce(NEW.last_name, '')),
                lower(coalesce(NEW.company, '')), lower(coalesce(NEW.email::text, '')),
                coalesce(NEW.phone, ''))
        ON CONFLICT (tenant_id, kind, id) DO UPDATE SET name = EXCLUDED.name,
            company = EXCLUDED.company, email = EXCLUDED.email, phone = EXCLUDED.phone;
    ELSE
        INSERT INTO search_entries (tenant_id, kind, id, name)
        VALUES (NEW.tenant_id, k, NEW.id, lower(NEW.title))
        ON CONFLICT (tenant_id, kind, id) DO UPDATE SET name = EXCLUDED.name;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER contacts_search ON contacts;
CREATE TRIGGER contacts_search AFTER INSERT OR UPDATE OR DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION search_entries_sync('contact');
DROP TRIGGER deals_search ON deals;
CREATE TRIGGER deals_search AFTER INSERT OR UPDATE OR DELETE ON deals
    FOR EACH ROW EXECUTE FUNCTION search_entries_sync('deal');

-- As in 0021, the table's name from the trigger's argument.
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tbl text := TG_ARGV[0];
BEGIN
    IF TG_OP = 'DELETE' AND tbl = 'audit_log' AND current_user = 'crm_audit_retention'
       AND OLD.occurred_at < now() - make_interval(days => audit_retention_days(OLD.tenant_id))
    THEN
        RETURN OLD;
    END IF;
    -- audit_redact_contact(): only the values inside changes, once, keys and all else kept
    IF TG_OP = 'UPDATE' AND tbl = 'audit_log'
       AND current_setting('audit.redacting', true) = 'on'
       AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
       AND to_jsonb(NEW) - 'changes' - 'redacted_at' = to_jsonb(OLD) - 'changes' - 'redacted_at'
       AND (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(NEW.changes) k)
           IS NOT DISTINCT FROM (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(OLD.changes) k)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER audit_append_only ON audit_log;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('audit_log');
DROP TRIGGER audit_no_truncate ON audit_log;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change('audit_log');
DROP TRIGGER audit_checkpoints_append_only ON audit_checkpoints;
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('audit_checkpoints');

-- Refuses a tenant other than the transaction's: the app role writes into its own log only.
CREATE FUNCTION audit_own_tenant(p_tenant uuid) RETURNS void
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_tenant IS DISTINCT FROM current_tenant_id() THEN
        RAISE EXCEPTION 'the audit log of another tenant' USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

-- As audit_read of 0022, the tenant named (the transaction's). The contact's type and the
-- type's rule are two lookups: Citus checks that each statement of a function it runs for a
-- tenant reads that tenant's shard, which it cannot tell of a join with a reference table.
CREATE FUNCTION audit_read(p_tenant uuid, p_action text, p_entity_type text, p_entity_id text,
                           p_contact uuid, p_detail jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    found boolean;
    kind text;
    subject boolean := false;
BEGIN
    PERFORM audit_own_tenant(p_tenant);
    IF p_action NOT IN ('read', 'search', 'export') THEN
        RAISE EXCEPTION 'audit_read takes read, search or export';
    END IF;
    IF p_contact IS NOT NULL THEN
        SELECT true, c.type INTO found, kind
          FROM contacts c
         WHERE c.tenant_id = p_tenant AND c.id = p_contact;
        SELECT coalesce(t.sensitive, false) INTO subject FROM contact_types t WHERE t.name = kind;
        subject := coalesce(subject, false);
        IF found IS NULL OR (NOT subject AND NOT coalesce(
                (SELECT (t.settings ->> 'audit_all_reads')::boolean FROM tenants t
                  WHERE t.id = p_tenant), false)) THEN
            RETURN;
        END IF;
    END IF;
    PERFORM audit_write(p_tenant, p_action, p_entity_type, p_entity_id,
                        CASE WHEN subject THEN p_contact END, p_detail);
END
$$;
REVOKE ALL ON FUNCTION audit_read(uuid, text, text, text, uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_read(uuid, text, text, text, uuid, jsonb) TO crm_app;

-- As audit_page of 0022, the tenant named (the transaction's).
CREATE FUNCTION audit_page(p_tenant uuid, p_entity_type text, p_query jsonb, p_subjects uuid[],
                           p_shown int)
    RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    shown uuid[] := coalesce(p_subjects[1:p_shown], '{}');
    subjects uuid[] := ARRAY(SELECT DISTINCT x FROM unnest(shown) x WHERE x IS NOT NULL
                              ORDER BY 1);
    by_type jsonb;
    lists jsonb;
BEGIN
    PERFORM audit_own_tenant(p_tenant);
    IF cardinality(subjects) = 0 AND NOT (cardinality(shown) > 0 AND coalesce(
            (SELECT (t.settings ->> 'audit_all_reads')::boolean FROM tenants t
              WHERE t.id = p_tenant), false)) THEN
        RETURN true;
    END IF;
    -- the subjects under their type's plural: with one sensitive type, all of them; with
    -- more, by the types the contacts have (looked up apart from contact_types, as above)
    IF (SELECT count(*) FROM contact_types t WHERE t.sensitive) = 1 THEN
        SELECT jsonb_build_object(t.plural, to_jsonb(subjects)) INTO lists
          FROM contact_types t WHERE t.sensitive;
    ELSE
        SELECT jsonb_object_agg(c.type, c.ids) INTO by_type
          FROM (SELECT c.type, to_jsonb(array_agg(c.id ORDER BY c.id)) AS ids
                  FROM contacts c
                 WHERE c.tenant_id = p_tenant AND c.id = ANY (subjects)
                 GROUP BY c.type) c;
        SELECT jsonb_object_agg(t.plural, coalesce(by_type -> t.name, '[]')) INTO lists
          FROM contact_types t WHERE t.sensitive;
    END IF;
    PERFORM audit_write(p_tenant, 'search', p_entity_type, NULL,
                        CASE WHEN cardinality(subjects) = 1 THEN subjects[1] END,
                        jsonb_build_object('query', p_query, 'records', cardinality(shown))
                        || coalesce(lists, '{}'));
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION audit_page(uuid, text, jsonb, uuid[], int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_page(uuid, text, jsonb, uuid[], int) TO crm_app;

-- As audit_security of 0009, the tenant named (the transaction's; none: nothing written).
CREATE FUNCTION audit_security(p_tenant uuid, p_event text, p_detail jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF p_tenant IS NULL THEN
        RETURN;
    END IF;
    PERFORM audit_own_tenant(p_tenant);
    IF nullif(current_setting('app.user_id', true), '') IS NULL THEN
        PERFORM set_config('app.actor', 'anonymous', true);
    END IF;
    PERFORM audit_write(p_tenant, 'security', 'security', p_event, NULL, p_detail);
END
$$;
REVOKE ALL ON FUNCTION audit_security(uuid, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_security(uuid, text, jsonb) TO crm_app;

-- As in 0029, nothing for a tenant that does not exist (the platform names it by id).
CREATE OR REPLACE FUNCTION audit_platform(p_tenant uuid, p_detail jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM tenants t WHERE t.id = p_tenant) THEN
        PERFORM audit_write(p_tenant, 'security', 'security', 'platform_call', NULL, p_detail);
    END IF;
END
$$;

-- On Citus, every function of the schema exists on every node (a trigger or a function run
-- on a shard's node calls them there): each becomes a distributed function, which Citus
-- creates on the workers and keeps in step. The audit functions that take the tenant run on
-- its node: colocated with audit_log by p_tenant, delegated even inside a transaction (a
-- top-level call with the tenant as a value). Called inside a statement that Citus sent to the
-- tenant's shard, they are on that node already and reach only its colocated shards, which
-- Citus allows a trigger but a function only with citus.allow_nested_distributed_execution:
-- set on them. Run by crm migrate after citus_distribute(); a no-op without Citus or when done.
CREATE FUNCTION citus_functions() RETURNS integer
    LANGUAGE plpgsql AS $$
DECLARE
    f record;
    done integer := 0;
    audit regprocedure[] := ARRAY['audit_write(uuid, text, text, text, uuid, jsonb)',
                                  'audit_read(uuid, text, text, text, uuid, jsonb)',
                                  'audit_page(uuid, text, jsonb, uuid[], int)',
                                  'audit_security(uuid, text, jsonb)',
                                  'audit_platform(uuid, jsonb)',
                                  'audit_purge(uuid)']::regprocedure[];
BEGIN
    IF NOT citus_present() THEN
        RETURN 0;
    END IF;
    PERFORM citus_ddl_settings();
    FOR f IN
        EXECUTE 'SELECT p.oid::regprocedure AS fn, p.oid = ANY ($1) AS by_tenant'
                ' FROM pg_proc p'
                ' LEFT JOIN pg_dist_object o ON o.classid = ''pg_proc''::regclass'
                '     AND o.objid = p.oid'
                ' WHERE p.pronamespace = ''public''::regnamespace'
                '   AND NOT EXISTS (SELECT 1 FROM pg_depend d'
                '                    WHERE d.classid = ''pg_proc''::regclass'
                '                      AND d.objid = p.oid AND d.deptype = ''e'')'
                '   AND (o.objid IS NULL OR (p.oid = ANY ($1) AND o.force_delegation IS NOT TRUE))'
                ' ORDER BY 2 DESC, 1::text'
            USING audit
    LOOP
        IF f.by_tenant OR f.fn = 'audit_redact_contact(uuid)'::regprocedure THEN
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
    RETURN done;
END
$$;

-- The transaction's tenant changed mid-way (sign-in names it by slug), by SET LOCAL as
-- request_context (0030) sets it, so that Citus passes it on to the workers.
CREATE FUNCTION request_tenant(p_tenant text) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL citus.propagate_set_commands = local; SET LOCAL app.tenant_id = %L',
                   coalesce(p_tenant, ''));
END
$$;
GRANT EXECUTE ON FUNCTION request_tenant(text) TO PUBLIC;
