-- core 0013: the audit log's write path, shorter. Measured under 64 connections into one
-- tenant (docs/performance.md): the per-tenant chain lock was held from a change's audit row
-- to COMMIT, through the rest of the statement and its other triggers, and writers of the
-- same tenant queued behind a holder the scheduler had preempted.
--  1. Change capture runs at commit: the audit triggers become deferred constraint triggers,
--     so the chain lock is taken by the transaction's last work and held only through its
--     commit. The row still records the change as the statement made it (a row trigger sees
--     the row versions of its own event); occurred_at is the time of the commit.
--  2. audit_write() takes the lock and looks up the chain's last hash once per tenant and
--     transaction; later rows chain on the hash it keeps in audit.pending.
--  3. audit_advance_head() counts the rows written since the head last moved, so a head
--     advanced twice in one commit (a read logged by a statement, then the captured changes)
--     counts each row once.

-- audit.pending holds {"tenant": [last_id, rows_since_head_advanced, last_hash_hex]}.
CREATE OR REPLACE FUNCTION audit_write(p_tenant uuid, p_action text, p_entity_type text,
                                       p_entity_id text, p_patient uuid, p_changes jsonb)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    l audit_log;
    key text := p_tenant::text;
    pending jsonb := coalesce(nullif(current_setting('audit.pending', true), ''), '{}')::jsonb;
    mine jsonb := pending -> key;
BEGIN
    IF mine IS NULL THEN -- the transaction's first row for this tenant: take the chain
        PERFORM pg_advisory_xact_lock(20747, hashtext(key)); -- as audit_chain_lock()
        SELECT coalesce((SELECT p.hash FROM audit_log p WHERE p.tenant_id = p_tenant
                          ORDER BY p.id DESC LIMIT 1),
                        (SELECT c.head FROM audit_checkpoints c WHERE c.tenant_id = p_tenant
                          ORDER BY c.id DESC LIMIT 1),
                        audit_genesis())
          INTO l.prev_hash;
    ELSE -- the lock is held since then: the chain ends at this transaction's last row
        l.prev_hash := decode(mine ->> 2, 'hex');
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
    l.patient_id := p_patient;
    l.changes := p_changes;
    l.request_id := nullif(current_setting('app.request_id', true), '');
    l.client_ip := nullif(current_setting('app.client_ip', true), '');
    l.user_agent := nullif(current_setting('app.user_agent', true), '');
    l.hash := audit_link(l.prev_hash, l);
    INSERT INTO audit_log OVERRIDING SYSTEM VALUE SELECT (l).*;
    -- an assignment, not PERFORM: evaluated as an expression, without a query of its own
    key := set_config('audit.pending', jsonb_set(pending, ARRAY[key], jsonb_build_array(
        l.id, coalesce((mine ->> 1)::bigint, 0) + 1, encode(l.hash, 'hex')))::text, true);
END
$$;

CREATE OR REPLACE FUNCTION audit_advance_head() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    key text := NEW.tenant_id::text;
    pending jsonb := nullif(current_setting('audit.pending', true), '')::jsonb;
    mine jsonb := pending -> key;
BEGIN
    IF mine IS NULL OR (mine ->> 0)::bigint <> NEW.id OR (mine ->> 1)::bigint = 0 THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_heads AS h (tenant_id, last_id, last_at, head, rows_total)
    VALUES (NEW.tenant_id, NEW.id, NEW.occurred_at, NEW.hash, (mine ->> 1)::bigint)
    ON CONFLICT (tenant_id) DO UPDATE
       SET last_id = EXCLUDED.last_id, last_at = EXCLUDED.last_at, head = EXCLUDED.head,
           rows_total = h.rows_total + EXCLUDED.rows_total;
    key := set_config('audit.pending', jsonb_set(pending, ARRAY[key, '1'], '0')::text, true);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION audit_attach(tbl regclass, contact_column text DEFAULT NULL)
    RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE CONSTRAINT TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON %s'
                   ' DEFERRABLE INITIALLY DEFERRED'
                   ' FOR EACH ROW EXECUTE FUNCTION audit_capture(%s)',
                   tbl, coalesce(quote_literal(contact_column), ''));
END
$$;

-- The tables audited so far (modules' included) get the deferred trigger, same argument.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tgrelid::regclass AS tbl,
                    CASE WHEN tgnargs > 0
                         THEN split_part(encode(tgargs, 'escape'), '\000', 1) END AS col
               FROM pg_trigger
              WHERE tgname = 'audit' AND tgfoid = 'audit_capture'::regproc
                AND tgconstraint = 0 LOOP
        EXECUTE format('DROP TRIGGER audit ON %s', t.tbl);
        PERFORM audit_attach(t.tbl, t.col);
    END LOOP;
END
$$;
