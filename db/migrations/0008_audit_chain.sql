-- core 0008: tamper evidence and retention for the audit log. Each tenant's rows form a hash
-- chain: hash = SHA-256(prev_hash || canonical row), prev_hash being the hash of the tenant's
-- row before it (32 zero bytes for the first). Writers of one tenant are serialised on the
-- tenant's row in audit_heads, which also holds the chain's head, so id order is chain order.
-- audit_verify() walks a tenant's chain; audit_purge() removes rows past the tenant's
-- retention period as crm_audit_retention (the only role the append-only trigger lets
-- delete) and records where the remaining chain starts in audit_checkpoints.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'crm_audit_retention') THEN
        CREATE ROLE crm_audit_retention NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
            NOBYPASSRLS;
    END IF;
END
$$;
GRANT crm_audit_retention TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO crm_audit_retention;

ALTER TABLE audit_log ADD COLUMN prev_hash bytea, ADD COLUMN hash bytea;

CREATE TABLE audit_heads (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
    last_id bigint NOT NULL,
    last_at timestamptz,
    head bytea NOT NULL,
    rows_total bigint NOT NULL -- rows ever chained, purged ones included
);

-- Where the chain resumes after a purge: the last purged row's id and hash, and how many
-- rows the chain held up to it.
CREATE TABLE audit_checkpoints (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    kind text NOT NULL CHECK (kind IN ('purge')),
    last_id bigint NOT NULL,
    last_at timestamptz NOT NULL,
    head bytea NOT NULL,
    rows_total bigint NOT NULL,
    rows_purged bigint NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- The app role reads its tenant's heads and checkpoints (nothing secret in them); only the
-- owner (through audit_write) and the retention role (through audit_purge) change them.
ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_heads FOR SELECT USING (tenant_id = current_tenant_id());
CREATE POLICY chain_keeper ON audit_heads TO CURRENT_USER, crm_audit_retention
    USING (true) WITH CHECK (true);
REVOKE ALL ON audit_heads FROM PUBLIC;
ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_checkpoints FOR SELECT
    USING (tenant_id = current_tenant_id());
CREATE POLICY chain_keeper ON audit_checkpoints TO CURRENT_USER, crm_audit_retention
    USING (true) WITH CHECK (true);
REVOKE ALL ON audit_checkpoints FROM PUBLIC;
GRANT SELECT ON audit_heads, audit_checkpoints TO crm_app;
GRANT SELECT, UPDATE ON audit_heads TO crm_audit_retention;
GRANT SELECT, INSERT ON audit_checkpoints TO crm_audit_retention;
GRANT SELECT, DELETE ON audit_log TO crm_audit_retention;
CREATE POLICY retention_purge ON audit_log FOR ALL TO crm_audit_retention USING (true);
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

-- The "hash before" the first row of a chain.
CREATE FUNCTION audit_genesis() RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT decode(repeat('00', 32), 'hex') $$;

-- A row's link: SHA-256 of the previous hash and the row as hashed, which is every column but
-- the hashes, times as microseconds since the epoch, in jsonb's deterministic text form.
-- PL/pgSQL rather than SQL so that its plan is cached (a SQL function taking a row is planned
-- again at every call: 40 us against 6 us).
CREATE FUNCTION audit_link(prev bytea, l audit_log) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN sha256(prev || convert_to(jsonb_build_array(
        l.id, l.tenant_id, (extract(epoch FROM l.occurred_at) * 1000000)::bigint, l.actor_id,
        l.actor, l.action, l.entity_type, l.entity_id, l.patient_id, l.changes, l.request_id,
        l.client_ip, l.user_agent)::text, 'UTF8'));
END
$$;

-- Existing rows join the chain in id order (the owner steps out of RLS and the append-only
-- trigger for this one pass).
ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_log DISABLE TRIGGER audit_append_only;
DO $$
DECLARE
    l audit_log;
    prev bytea;
    tenant uuid;
BEGIN
    FOR l IN SELECT * FROM audit_log ORDER BY tenant_id, id LOOP
        IF tenant IS DISTINCT FROM l.tenant_id THEN
            tenant := l.tenant_id;
            prev := audit_genesis();
        END IF;
        l.prev_hash := prev;
        l.hash := audit_link(prev, l);
        UPDATE audit_log SET prev_hash = l.prev_hash, hash = l.hash
         WHERE tenant_id = l.tenant_id AND id = l.id;
        prev := l.hash;
    END LOOP;
END
$$;
INSERT INTO audit_heads (tenant_id, last_id, last_at, head, rows_total)
SELECT DISTINCT ON (tenant_id) tenant_id, id, occurred_at, hash,
       count(*) OVER (PARTITION BY tenant_id)
  FROM audit_log ORDER BY tenant_id, id DESC;
ALTER TABLE audit_log ENABLE TRIGGER audit_append_only;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL;

-- Deletion is for the retention role only, and only of rows past the tenant's retention.
CREATE FUNCTION audit_retention_days(p_tenant uuid) RETURNS int
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT coalesce((SELECT (t.settings ->> 'audit_retention_days')::int FROM tenants t
                      WHERE t.id = p_tenant), 2192) -- six years
$$;
REVOKE ALL ON FUNCTION audit_retention_days(uuid) FROM PUBLIC;

CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_log' AND current_user = 'crm_audit_retention'
       AND OLD.occurred_at < now() - make_interval(days => audit_retention_days(OLD.tenant_id))
    THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Serialises the writers of one tenant's chain until commit (two-key form: its own key space).
CREATE FUNCTION audit_chain_lock(p_tenant uuid) RETURNS void
    LANGUAGE sql AS $$ SELECT pg_advisory_xact_lock(20747, hashtext(p_tenant::text)) $$;

-- The tenant's last row's hash: looked up (an index probe at the end of the primary key)
-- rather than kept in audit_heads per row, because a row updated thousands of times in one
-- transaction makes every later lookup walk all its versions. What the transaction has added
-- to each tenant's chain (last id, rows) is kept in the transaction-local setting
-- audit.pending ({"tenant": [last_id, rows]}) for audit_advance_head() at commit.
CREATE OR REPLACE FUNCTION audit_write(p_tenant uuid, p_action text, p_entity_type text,
                                       p_entity_id text, p_patient uuid, p_changes jsonb)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    l audit_log;
    pending jsonb := coalesce(nullif(current_setting('audit.pending', true), ''), '{}')::jsonb;
BEGIN
    PERFORM audit_chain_lock(p_tenant);
    SELECT coalesce((SELECT p.hash FROM audit_log p WHERE p.tenant_id = p_tenant
                      ORDER BY p.id DESC LIMIT 1),
                    (SELECT c.head FROM audit_checkpoints c WHERE c.tenant_id = p_tenant
                      ORDER BY c.id DESC LIMIT 1),
                    audit_genesis())
      INTO l.prev_hash;
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
    l.patient_id := p_patient;
    l.changes := p_changes;
    l.request_id := nullif(current_setting('app.request_id', true), '');
    l.client_ip := nullif(current_setting('app.client_ip', true), '');
    l.user_agent := nullif(current_setting('app.user_agent', true), '');
    l.hash := audit_link(l.prev_hash, l);
    INSERT INTO audit_log OVERRIDING SYSTEM VALUE SELECT (l).*;
    PERFORM set_config('audit.pending', jsonb_set(pending, ARRAY[p_tenant::text],
        jsonb_build_array(l.id, coalesce((pending -> p_tenant::text ->> 1)::bigint, 0) + 1))::text,
        true);
END
$$;

-- At commit, the transaction's last row of a tenant becomes the chain's recorded head; the
-- calls for its other rows return at once.
CREATE FUNCTION audit_advance_head() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    mine jsonb := nullif(current_setting('audit.pending', true), '')::jsonb
                  -> NEW.tenant_id::text;
BEGIN
    IF mine IS NULL OR (mine ->> 0)::bigint <> NEW.id THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_heads AS h (tenant_id, last_id, last_at, head, rows_total)
    VALUES (NEW.tenant_id, NEW.id, NEW.occurred_at, NEW.hash, (mine ->> 1)::bigint)
    ON CONFLICT (tenant_id) DO UPDATE
       SET last_id = EXCLUDED.last_id, last_at = EXCLUDED.last_at, head = EXCLUDED.head,
           rows_total = h.rows_total + EXCLUDED.rows_total;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER audit_head AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_advance_head();

-- Walks the current tenant's chain from the last purge checkpoint (or the start) and returns
-- the first row that does not check out: its hash is not that of its content and the hash
-- before it (the row was edited), or its prev_hash is not the hash of the row before it (a
-- row was removed, inserted or reordered); then the head and the row count.
CREATE FUNCTION audit_verify(OUT ok boolean, OUT rows_checked bigint, OUT broken_id bigint,
                             OUT broken_at timestamptz, OUT reason text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
    t uuid := current_tenant_id();
    start_id bigint := 0;
    start_hash bytea := audit_genesis();
    start_rows bigint := 0;
    h audit_heads;
    last_row record;
BEGIN
    SELECT c.last_id, c.head, c.rows_total INTO start_id, start_hash, start_rows
      FROM audit_checkpoints c WHERE c.tenant_id = t AND c.kind = 'purge'
     ORDER BY c.id DESC LIMIT 1;
    IF NOT FOUND THEN
        start_id := 0;
        start_hash := audit_genesis();
        start_rows := 0;
    END IF;
    SELECT count(*), min(x.id) FILTER (WHERE x.why IS NOT NULL)
      INTO rows_checked, broken_id
      FROM (SELECT l.id,
                   CASE WHEN l.prev_hash IS DISTINCT FROM
                             coalesce(lag(l.hash) OVER w, start_hash)
                        THEN 'link' WHEN l.hash IS DISTINCT FROM audit_link(l.prev_hash, l)
                        THEN 'content' END AS why
              FROM audit_log l WHERE l.tenant_id = t AND l.id > start_id
            WINDOW w AS (ORDER BY l.id)) x;
    IF broken_id IS NOT NULL THEN
        SELECT l.occurred_at,
               CASE WHEN l.prev_hash IS DISTINCT FROM coalesce(
                        (SELECT p.hash FROM audit_log p WHERE p.tenant_id = t
                            AND p.id > start_id AND p.id < l.id ORDER BY p.id DESC LIMIT 1),
                        start_hash)
                    THEN 'the row does not follow the row before it: a row was removed,'
                         ' inserted or reordered'
                    ELSE 'the row''s content or hash was changed' END
          INTO broken_at, reason
          FROM audit_log l WHERE l.tenant_id = t AND l.id = broken_id;
        ok := false;
        RETURN;
    END IF;
    SELECT * INTO h FROM audit_heads WHERE tenant_id = t;
    SELECT l.id, l.occurred_at, l.hash INTO last_row FROM audit_log l
     WHERE l.tenant_id = t AND l.id > start_id ORDER BY l.id DESC LIMIT 1;
    IF h.tenant_id IS NOT NULL AND (h.last_id IS DISTINCT FROM coalesce(last_row.id, start_id)
                                    OR h.head IS DISTINCT FROM coalesce(last_row.hash, start_hash)
                                    OR h.rows_total <> start_rows + rows_checked) THEN
        ok := false;
        broken_id := h.last_id;
        broken_at := h.last_at;
        reason := 'the chain does not end at its recorded head: newest rows were removed';
        RETURN;
    END IF;
    ok := true;
END
$$;
REVOKE ALL ON FUNCTION audit_verify() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_verify() TO crm_app;

-- The current tenant's chain head, for a signed checkpoint.
CREATE FUNCTION audit_head(OUT last_id bigint, OUT last_at timestamptz, OUT head text,
                           OUT rows_total bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT coalesce(h.last_id, 0), h.last_at,
           encode(coalesce(h.head, audit_genesis()), 'hex'),
           coalesce(h.rows_total, 0)
      FROM (SELECT 1) one LEFT JOIN audit_heads h ON h.tenant_id = current_tenant_id()
$$;
REVOKE ALL ON FUNCTION audit_head() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_head() TO crm_app;

-- Whether the current tenant's chain still holds a checkpoint taken earlier (its last id and
-- head hash): the row must be there with that hash, or have been purged, which leaves a purge
-- checkpoint at or past it. A chain rewritten up to its end passes audit_verify() but not this.
CREATE FUNCTION audit_check_checkpoint(p_last_id bigint, p_head bytea, OUT ok boolean,
                                       OUT reason text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
    t uuid := current_tenant_id();
    found_hash bytea;
BEGIN
    ok := true;
    IF p_last_id = 0 THEN
        RETURN;
    END IF;
    SELECT l.hash INTO found_hash FROM audit_log l WHERE l.tenant_id = t AND l.id = p_last_id;
    IF found_hash IS NOT NULL THEN
        IF found_hash <> p_head THEN
            ok := false;
            reason := 'the chain no longer holds the checkpoint''s head: rows up to it were'
                      ' rewritten';
        END IF;
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM audit_checkpoints c WHERE c.tenant_id = t AND c.last_id >= p_last_id
                  AND (c.last_id <> p_last_id OR c.head = p_head)) THEN
        RETURN; -- purged under the retention period
    END IF;
    ok := false;
    reason := 'the row the checkpoint ends at is missing: rows were removed';
END
$$;
REVOKE ALL ON FUNCTION audit_check_checkpoint(bigint, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_check_checkpoint(bigint, bytea) TO crm_app;

-- Removes a tenant's rows older than its retention period, as the retention role, and
-- records a checkpoint so that the rest of the chain still verifies. Returns the rows removed.
CREATE FUNCTION audit_purge(p_tenant uuid) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    cutoff timestamptz := now() - make_interval(days => audit_retention_days(p_tenant));
    prev_rows bigint;
    last audit_log;
    n bigint;
BEGIN
    PERFORM audit_chain_lock(p_tenant);
    -- the oldest rows up to the first one still kept (ids follow time within a tenant, but
    -- a clock step back must not make the purge cut into kept rows)
    SELECT * INTO last FROM audit_log
     WHERE tenant_id = p_tenant AND occurred_at < cutoff
       AND id < coalesce((SELECT min(k.id) FROM audit_log k
                           WHERE k.tenant_id = p_tenant AND k.occurred_at >= cutoff),
                         9223372036854775807)
     ORDER BY id DESC LIMIT 1;
    IF last.id IS NULL THEN
        RETURN 0;
    END IF;
    SELECT coalesce((SELECT c.rows_total FROM audit_checkpoints c WHERE c.tenant_id = p_tenant
                      ORDER BY c.id DESC LIMIT 1), 0) INTO prev_rows;
    DELETE FROM audit_log WHERE tenant_id = p_tenant AND id <= last.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO audit_checkpoints (tenant_id, kind, last_id, last_at, head, rows_total,
                                   rows_purged)
    VALUES (p_tenant, 'purge', last.id, last.occurred_at, last.hash, prev_rows + n, n);
    PERFORM audit_write(p_tenant, 'delete', 'audit_log', NULL, NULL,
                        jsonb_build_object('purged', n, 'up_to_id', last.id::text,
                                           'older_than', cutoff));
    RETURN n;
END
$$;
GRANT CREATE ON SCHEMA public TO crm_audit_retention;
ALTER FUNCTION audit_purge(uuid) OWNER TO crm_audit_retention;
REVOKE CREATE ON SCHEMA public FROM crm_audit_retention;
REVOKE ALL ON FUNCTION audit_purge(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_retention_days(uuid) TO crm_audit_retention;
GRANT EXECUTE ON FUNCTION audit_write(uuid, text, text, text, uuid, jsonb) TO crm_audit_retention;
