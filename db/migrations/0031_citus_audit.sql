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
            USING audit
    LOOP
        IF f.by_tenant OR f.fn = 'audit_redact_contact(uuid)'::regprocedure OR f.local_reads THEN
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

-- The functions that a statement may call on a tenant's shard and that read the catalogues
-- (reference tables: a copy on every node, so a local read). On Citus each gets
-- citus.allow_nested_distributed_execution (without it, Citus refuses any query of a Citus
-- table from a shard's query), now or when citus_functions() distributes it: a database
-- converted to Citus later gets it too.
CREATE TABLE citus_local_reads (
    function text PRIMARY KEY -- its regprocedure, as text
);
REVOKE ALL ON citus_local_reads FROM PUBLIC;

CREATE FUNCTION citus_local_reads_add(p_fn regprocedure) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO citus_local_reads (function) VALUES (p_fn::text) ON CONFLICT DO NOTHING;
    IF citus_present() THEN
        EXECUTE format('ALTER FUNCTION %s SET citus.allow_nested_distributed_execution = on',
                       p_fn);
    END IF;
END
$$;

-- A setting of the transaction made after its prelude (sign-in's tenant, found by slug; the
-- notes a role sees; the tenant's time zone), by SET LOCAL as request_context (0030) sets the
-- request's, so that Citus passes it on to the workers, where set_config() does not reach.
-- Statements call it where Citus is loaded, beside the set_config() that does the same here.
CREATE FUNCTION request_set(p_name text, p_value text) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL citus.propagate_set_commands = local; SET LOCAL %s = %L',
                   quote_ident(p_name), coalesce(p_value, ''));
END
$$;
GRANT EXECUTE ON FUNCTION request_set(text, text) TO PUBLIC;

-- As in 0030, without SET LOCAL ROLE: Citus replays the transaction's SET LOCALs on each
-- connection it opens to a worker, also on one a SECURITY DEFINER function opens as its
-- owner, which would then run as the app role there (or be refused the role). Citus opens a
-- worker connection as the role of the moment; the prelude sets the role on the coordinator.
-- Statements are planned for their values each time (plan_cache_mode): a generic plan of a
-- call of an audit function has no tenant value, and Citus runs it on the coordinator then.
CREATE OR REPLACE FUNCTION request_context(p_role text, p_tenant text, p_user text,
                                           p_request text, p_timeout text, p_app_role text,
                                           p_client_ip text, p_user_agent text, p_actor text)
    RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('role', p_role, true);
    EXECUTE format('SET LOCAL citus.propagate_set_commands = local; '
                   'SET LOCAL plan_cache_mode = force_custom_plan; '
                   'SET LOCAL app.tenant_id = %L; SET LOCAL app.user_id = %L; '
                   'SET LOCAL app.request_id = %L; SET LOCAL statement_timeout = %L; '
                   'SET LOCAL app.role = %L; SET LOCAL app.client_ip = %L; '
                   'SET LOCAL app.user_agent = %L; SET LOCAL app.actor = %L',
                   coalesce(p_tenant, ''), coalesce(p_user, ''), coalesce(p_request, ''),
                   p_timeout, coalesce(p_app_role, ''), coalesce(p_client_ip, ''),
                   coalesce(p_user_agent, ''), coalesce(p_actor, ''));
END
$$;

-- if_true when cond, else otherwise: a CASE whose branches are arguments. In a write, Citus
-- evaluates a stable function such as now() on the coordinator, and refuses one inside a CASE.
-- PL/pgSQL, so that the planner does not inline it back into a CASE before Citus sees it.
CREATE FUNCTION choose(cond boolean, if_true anyelement, otherwise anyelement)
    RETURNS anyelement LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN CASE WHEN cond THEN if_true ELSE otherwise END;
END
$$;

-- A row's link from its columns, as audit_link (0022) computes it from the row: the same
-- hash. A query Citus sends to a shard passes the shard's row type, which a function taking
-- audit_log's does not accept.
CREATE FUNCTION audit_link_of(prev bytea, p_id bigint, p_tenant uuid, p_at timestamptz,
                              p_actor_id uuid, p_actor text, p_action text, p_entity_type text,
                              p_entity_id text, p_subject uuid, p_changes jsonb,
                              p_request text, p_ip text, p_agent text) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN sha256(prev || convert_to(jsonb_build_array(
        p_id, p_tenant, (extract(epoch FROM p_at) * 1000000)::bigint, p_actor_id, p_actor,
        p_action, p_entity_type, p_entity_id, p_subject, p_changes, p_request, p_ip,
        p_agent)::text, 'UTF8'));
END
$$;

CREATE OR REPLACE FUNCTION audit_link(prev bytea, l audit_log) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN audit_link_of(prev, l.id, l.tenant_id, l.occurred_at, l.actor_id, l.actor, l.action,
                         l.entity_type, l.entity_id, l.subject_id, l.changes, l.request_id,
                         l.client_ip, l.user_agent);
END
$$;

-- As in 0022, the row inserted with VALUES: an INSERT ... SELECT of a row variable Citus
-- evaluates on the coordinator and copies to the shard, which row-level security refuses.
CREATE OR REPLACE FUNCTION audit_write(p_tenant uuid, p_action text, p_entity_type text,
                                       p_entity_id text, p_subject uuid, p_changes jsonb)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $$
DECLARE
    l audit_log;
    key text := p_tenant::text;
    pending jsonb := coalesce(nullif(current_setting('audit.pending', true), ''), '{}')::jsonb;
    mine jsonb := pending -> key;
    lanes int;
    first int;
BEGIN
    IF mine IS NULL THEN -- the transaction's first row for this tenant: take a lane
        -- the lane's head is read after its lock is taken, which needs a snapshot newer than
        -- the lock: under REPEATABLE READ two writers would chain on the same head
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE EXCEPTION 'the audit log is written by read committed transactions only'
                USING ERRCODE = 'feature_not_supported';
        END IF;
        SELECT CASE WHEN s ~ '^[0-9]{1,2}$' THEN least(greatest(s::int, 1), 16) ELSE 1 END
          INTO lanes
          FROM (SELECT (SELECT t.settings ->> 'audit_lanes' FROM tenants t
                         WHERE t.id = p_tenant) AS s) x;
        first := pg_backend_pid() % lanes;
        IF lanes > 1 THEN -- the first free one from this backend's own, else wait for that
            FOR i IN 0 .. lanes - 1 LOOP
                IF pg_try_advisory_xact_lock(20747, audit_lane_key(p_tenant, (first + i) % lanes))
                THEN
                    l.lane := (first + i) % lanes;
                    EXIT;
                END IF;
            END LOOP;
        END IF;
        IF l.lane IS NULL THEN
            l.lane := first;
            PERFORM pg_advisory_xact_lock(20747, audit_lane_key(p_tenant, first));
        END IF;
        SELECT coalesce((SELECT h.head FROM audit_heads h
                          WHERE h.tenant_id = p_tenant AND h.lane = l.lane), audit_genesis())
          INTO l.prev_hash;
    ELSE -- the lane is held since then: it ends at this transaction's last row
        l.prev_hash := decode(mine ->> 2, 'hex');
        l.lane := (mine ->> 3)::smallint;
    END IF;
    l.tenant_id := p_tenant;
    l.id := nextval('audit_log_id_seq');
    l.occurred_at := clock_timestamp();
    l.actor_id := nullif(current_setting('app.user_id', true), '')::uuid;
    IF l.actor_id IS NULL THEN
        l.actor := coalesce(nullif(current_setting('app.actor', true), ''), session_user::text);
    END IF;
    l.action := p_action;
    l.entity_type := p_entity_type;
    l.entity_id := p_entity_id;
    l.subject_id := p_subject;
    l.changes := p_changes;
    l.request_id := nullif(current_setting('app.request_id', true), '');
    l.client_ip := nullif(current_setting('app.client_ip', true), '');
    l.user_agent := nullif(current_setting('app.user_agent', true), '');
    l.hash := audit_link(l.prev_hash, l);
    INSERT INTO audit_log (tenant_id, id, occurred_at, actor_id, actor, action, entity_type,
                           entity_id, subject_id, changes, request_id, client_ip, user_agent,
                           prev_hash, hash, lane)
    OVERRIDING SYSTEM VALUE
    VALUES (l.tenant_id, l.id, l.occurred_at, l.actor_id, l.actor, l.action, l.entity_type,
            l.entity_id, l.subject_id, l.changes, l.request_id, l.client_ip, l.user_agent,
            l.prev_hash, l.hash, l.lane);
    -- an assignment, not PERFORM: evaluated as an expression, without a query of its own
    key := set_config('audit.pending', jsonb_set(pending, ARRAY[key], jsonb_build_array(
        l.id, coalesce((mine ->> 1)::bigint, 0) + 1, encode(l.hash, 'hex'), l.lane))::text,
        true);
END
$$;

-- As in 0021, each row's link from its columns (audit_link_of).
CREATE OR REPLACE FUNCTION audit_verify(OUT ok boolean, OUT rows_checked bigint,
                                        OUT broken_id bigint, OUT broken_at timestamptz,
                                        OUT reason text)
 RETURNS record
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
 SET work_mem TO '64MB'
AS $$
DECLARE
    t uuid := current_tenant_id();
    s record;
    bad_lane int; -- the lane holding the first broken row, and where it starts
    bad_start_id bigint;
    bad_start_hash bytea;
    last_row record;
    head_id bigint; -- the first lane that does not end where it should
    head_at timestamptz;
    head_why text;
BEGIN
    rows_checked := 0;
    FOR s IN
        WITH starts AS (SELECT DISTINCT ON (c.lane) c.lane, c.last_id, c.head, c.rows_total
                          FROM audit_checkpoints c WHERE c.tenant_id = t AND c.kind = 'purge'
                         ORDER BY c.lane, c.id DESC),
             rows AS (SELECT l.lane, l.id, l.prev_hash, l.hash,
                             CASE WHEN l.redacted_at IS NULL
                                  THEN l.hash IS DISTINCT FROM audit_link_of(
                                      l.prev_hash, l.id, l.tenant_id, l.occurred_at,
                                      l.actor_id, l.actor, l.action, l.entity_type, l.entity_id,
                                      l.subject_id, l.changes, l.request_id, l.client_ip,
                                      l.user_agent)
                                  ELSE NOT EXISTS (SELECT 1 FROM audit_log e
                                        WHERE e.tenant_id = t AND e.id > l.id
                                          AND e.action = 'erase' AND e.entity_type = 'audit_log'
                                          AND e.changes -> 'rows' @> to_jsonb(l.id))
                             END AS edited,
                             coalesce(st.head, audit_genesis()) AS start_hash
                        FROM audit_log l LEFT JOIN starts st ON st.lane = l.lane
                       WHERE l.tenant_id = t AND l.id > coalesce(st.last_id, 0)),
             checked AS (SELECT r.lane, r.id, r.edited OR r.prev_hash IS DISTINCT FROM
                                coalesce(lag(r.hash) OVER w, r.start_hash) AS broken
                           FROM rows r WINDOW w AS (PARTITION BY r.lane ORDER BY r.id)),
             per_lane AS (SELECT c.lane, count(*) AS n, min(c.id) AS first_id,
                                 min(c.id) FILTER (WHERE c.broken) AS first_broken
                            FROM checked c GROUP BY c.lane),
             heads AS (SELECT * FROM audit_heads h WHERE h.tenant_id = t)
        SELECT coalesce(p.lane, h.lane) AS lane, coalesce(p.n, 0) AS n, p.first_id,
               p.first_broken, h.lane IS NOT NULL AS has_head, h.last_id, h.last_at, h.head,
               h.rows_total, coalesce(st.last_id, 0) AS start_id,
               coalesce(st.head, audit_genesis()) AS start_hash,
               coalesce(st.rows_total, 0) AS start_rows
          FROM per_lane p FULL JOIN heads h ON h.lane = p.lane
          LEFT JOIN starts st ON st.lane = coalesce(p.lane, h.lane)
         ORDER BY 1
    LOOP
        rows_checked := rows_checked + s.n;
        IF s.first_broken < coalesce(broken_id, 9223372036854775807) THEN
            broken_id := s.first_broken;
            bad_lane := s.lane;
            bad_start_id := s.start_id;
            bad_start_hash := s.start_hash;
        END IF;
        CONTINUE WHEN head_id IS NOT NULL;
        IF NOT s.has_head THEN
            SELECT s.first_id, l.occurred_at,
                   'the row is in a chain the log never started: rows were inserted'
              INTO head_id, head_at, head_why
              FROM audit_log l WHERE l.tenant_id = t AND l.id = s.first_id;
            CONTINUE;
        END IF;
        SELECT l.id, l.hash INTO last_row FROM audit_log l
         WHERE l.tenant_id = t AND l.lane = s.lane AND l.id > s.start_id
         ORDER BY l.id DESC LIMIT 1;
        IF s.last_id IS DISTINCT FROM coalesce(last_row.id, s.start_id)
           OR s.head IS DISTINCT FROM coalesce(last_row.hash, s.start_hash)
           OR s.rows_total <> s.start_rows + s.n THEN
            head_id := s.last_id;
            head_at := s.last_at;
            head_why := 'the chain does not end at its recorded head: newest rows were removed';
        END IF;
    END LOOP;
    IF broken_id IS NOT NULL THEN
        SELECT l.occurred_at,
               CASE WHEN l.prev_hash IS DISTINCT FROM coalesce(
                        (SELECT p.hash FROM audit_log p WHERE p.tenant_id = t
                            AND p.lane = bad_lane AND p.id > bad_start_id AND p.id < l.id
                          ORDER BY p.id DESC LIMIT 1),
                        bad_start_hash)
                    THEN 'the row does not follow the row before it: a row was removed,'
                         ' inserted or reordered'
                    ELSE 'the row''s content or hash was changed' END
          INTO broken_at, reason
          FROM audit_log l WHERE l.tenant_id = t AND l.id = broken_id;
        ok := false;
    ELSIF head_id IS NOT NULL THEN
        ok := false;
        broken_id := head_id;
        broken_at := head_at;
        reason := head_why;
    ELSE
        ok := true;
    END IF;
END
$$;
