-- 0033: the functions that lock rows name one tenant as a value: Citus takes a row lock
-- (FOR UPDATE) in a query it sends to one tenant's shard, and refuses it across shards.
-- auth_refresh uses a variable set from current_tenant_id() once (a module's migration does
-- the same for its functions); the worker's outbox_claim claims tenant by tenant.

CREATE OR REPLACE FUNCTION auth_refresh(p_hash bytea, p_new_hash bytea, p_ttl_seconds integer)
 RETURNS TABLE(outcome text, user_id uuid, role text, family_id uuid)
 LANGUAGE plpgsql
 SET search_path TO 'public'
AS $$
DECLARE
    tenant uuid := current_tenant_id();
    t refresh_tokens;
    u users;
    tenant_status text;
BEGIN
    SELECT * INTO t FROM refresh_tokens r
     WHERE r.tenant_id = tenant AND r.token_hash = p_hash FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'invalid'::text, NULL::uuid, NULL::text, NULL::uuid;
        RETURN;
    END IF;
    IF t.used_at IS NOT NULL OR t.revoked_at IS NOT NULL THEN
        UPDATE refresh_tokens r SET revoked_at = now()
         WHERE r.tenant_id = t.tenant_id AND r.family_id = t.family_id AND r.revoked_at IS NULL;
        RETURN QUERY SELECT CASE WHEN t.used_at IS NOT NULL THEN 'reused' ELSE 'revoked' END,
                            t.user_id, NULL::text, t.family_id;
        RETURN;
    END IF;
    IF t.expires_at <= now() THEN
        RETURN QUERY SELECT 'expired'::text, t.user_id, NULL::text, t.family_id;
        RETURN;
    END IF;
    SELECT * INTO u FROM users x WHERE x.tenant_id = t.tenant_id AND x.id = t.user_id;
    SELECT x.status INTO tenant_status FROM tenants x WHERE x.id = t.tenant_id;
    IF NOT u.active OR tenant_status IS DISTINCT FROM 'active' THEN
        UPDATE refresh_tokens r SET revoked_at = now()
         WHERE r.tenant_id = t.tenant_id AND r.family_id = t.family_id AND r.revoked_at IS NULL;
        RETURN QUERY SELECT 'disabled'::text, t.user_id, NULL::text, t.family_id;
        RETURN;
    END IF;
    UPDATE refresh_tokens r SET used_at = now() WHERE r.tenant_id = t.tenant_id AND r.id = t.id;
    INSERT INTO refresh_tokens (tenant_id, user_id, family_id, parent_id, token_hash, expires_at)
    VALUES (t.tenant_id, t.user_id, t.family_id, t.id, p_new_hash,
            now() + make_interval(secs => p_ttl_seconds));
    RETURN QUERY SELECT 'ok'::text, u.id, u.role, t.family_id;
END
$$;

-- Statements call it on the tenant's shard, and it reads tenants: a local read there, which
-- Citus then allows (0031).
SELECT citus_local_reads_add('inbound_match(text, text, text)');

-- As in 0023 (with 0027's reasons), one tenant at a time: a row lock (FOR UPDATE SKIP LOCKED)
-- is taken by a query on one tenant's rows, which Citus runs on the tenant's shard, and refuses
-- across shards. The expired leases of each tenant go back first; then the tenants whose rows
-- have waited longest are served in that order, each up to what is left of the batch. A
-- tenant's claimed rows are read whole (as JSON) before they are changed: on Citus, a change
-- made while the locking query still streams goes over another connection to the shard, which
-- waits for the first one's locks (a distributed deadlock).
CREATE OR REPLACE FUNCTION outbox_claim(p_worker text, p_batch integer, p_lease_seconds integer)
    RETURNS SETOF outbox LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    tenant uuid;
    r record;
    picked jsonb;
    claimed outbox;
    left_over integer := p_batch;
    moment timestamptz := now(); -- the coordinator's: a query sent to a worker reads its own
BEGIN
    FOREACH tenant IN ARRAY ARRAY(SELECT DISTINCT x.tenant_id FROM outbox x
                                   WHERE x.state = 'sending' AND x.lease_until < moment) LOOP
        UPDATE outbox o SET state = CASE WHEN o.attempts >= 6 THEN 'failed' ELSE 'queued' END,
               claimed_by = NULL,
               last_error = 'the lease of ' || o.claimed_by || ' ran out before it reported'
                   || CASE WHEN o.attempts >= 6 THEN ', six times' ELSE '' END
         WHERE o.tenant_id = tenant
           AND o.id IN (SELECT x.id FROM outbox x
                         WHERE x.tenant_id = tenant AND x.state = 'sending'
                           AND x.lease_until < moment
                           FOR UPDATE SKIP LOCKED);
    END LOOP;
    FOREACH tenant IN ARRAY ARRAY(SELECT x.tenant_id FROM outbox x
                                   WHERE x.state = 'queued' AND x.send_at <= moment
                                     AND x.channel <> 'webhook'
                                   GROUP BY x.tenant_id ORDER BY min(x.send_at)
                                   LIMIT p_batch) LOOP
        EXIT WHEN left_over <= 0;
        SELECT jsonb_agg(to_jsonb(p) ORDER BY p.send_at) INTO picked
          FROM (SELECT o.tenant_id, o.id, o.urgent, o.not_after, o.send_at, t.status,
                       outbox_quiet_until(t.time_zone, t.settings, moment) AS quiet_end
                  FROM outbox o JOIN tenants t ON t.id = o.tenant_id
                 WHERE o.tenant_id = tenant AND o.state = 'queued' AND o.send_at <= moment
                   AND o.channel <> 'webhook'
                 ORDER BY o.send_at
                 LIMIT left_over
                   FOR UPDATE OF o SKIP LOCKED) p;
        FOR r IN
            SELECT * FROM jsonb_to_recordset(coalesce(picked, '[]'))
                AS x (tenant_id uuid, id uuid, urgent boolean, not_after timestamptz,
                      status text, quiet_end timestamptz)
        LOOP
            left_over := left_over - 1;
            IF r.status <> 'active' THEN
                UPDATE outbox SET state = 'cancelled', cancel_reason = 'the tenant is suspended'
                 WHERE tenant_id = r.tenant_id AND id = r.id;
            ELSIF r.not_after IS NOT NULL AND r.not_after <= moment THEN
                UPDATE outbox SET state = 'cancelled', cancel_reason = 'too late to matter'
                 WHERE tenant_id = r.tenant_id AND id = r.id;
            ELSIF NOT r.urgent AND r.quiet_end > moment THEN
                IF r.not_after IS NOT NULL AND r.quiet_end >= r.not_after THEN
                    UPDATE outbox SET state = 'cancelled',
                           cancel_reason = 'quiet hours last until it is too late to matter'
                     WHERE tenant_id = r.tenant_id AND id = r.id;
                ELSE
                    UPDATE outbox SET send_at = r.quiet_end
                     WHERE tenant_id = r.tenant_id AND id = r.id;
                END IF;
            ELSE
                UPDATE outbox SET state = 'sending', claimed_by = p_worker,
                       lease_until = moment + make_interval(secs => p_lease_seconds)
                 WHERE tenant_id = r.tenant_id AND id = r.id
                RETURNING * INTO claimed;
                RETURN NEXT claimed;
            END IF;
        END LOOP;
    END LOOP;
END
$$;

-- As in 0025, the constraint a refusal stands for named in its message too: an error a Citus
-- worker raises reaches the coordinator's client without its constraint field (crm reads the
-- name from the message then; src/core/db/db.c).
CREATE OR REPLACE FUNCTION tenant_settings_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF current_user = 'crm_app' AND EXISTS (
           SELECT 1
             FROM (SELECT jsonb_object_keys(OLD.settings)
                   UNION
                   SELECT jsonb_object_keys(NEW.settings)) k (key)
            WHERE k.key LIKE 'audit\_%'
              AND OLD.settings -> k.key IS DISTINCT FROM NEW.settings -> k.key) THEN
        RAISE EXCEPTION 'the audit settings of a tenant are changed by the platform only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF current_user = 'crm_app'
       AND OLD.settings -> 'sms_senders' IS DISTINCT FROM NEW.settings -> 'sms_senders' THEN
        RAISE EXCEPTION 'the SMS senders of a tenant are assigned by the platform only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.settings -> 'sms_senders' IS DISTINCT FROM NEW.settings -> 'sms_senders' AND EXISTS (
           SELECT 1
             FROM tenants o, jsonb_array_elements_text(NEW.settings -> 'sms_senders') n (sender)
            WHERE o.id <> NEW.id AND n.sender LIKE '+%'
              AND coalesce(o.settings -> 'sms_senders', '[]') ? n.sender) THEN
        RAISE EXCEPTION 'an SMS number is assigned to another tenant'
            ' (constraint "tenants_sms_senders_unique")'
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'tenants_sms_senders_unique';
    END IF;
    IF coalesce(NEW.settings ->> 'sms_sender', '') <> ''
       AND OLD.settings -> 'sms_sender' IS DISTINCT FROM NEW.settings -> 'sms_sender'
       AND NOT coalesce(NEW.settings -> 'sms_senders', '[]') ? (NEW.settings ->> 'sms_sender') THEN
        RAISE EXCEPTION 'sms_sender is not one of the SMS senders assigned to the tenant'
            ' (constraint "tenants_sms_sender_assigned")'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'tenants_sms_sender_assigned';
    END IF;
    RETURN NEW;
END
$$;

-- As in 0023, the row's new values worked out before the UPDATE, which sets plain values:
-- Citus refuses now() inside a CASE of a write, and sends a CASE over a parameter to the
-- worker in a form it cannot run.
CREATE OR REPLACE FUNCTION outbox_settle(p_tenant uuid, p_id uuid, p_worker text, p_outcome text,
                                         p_provider_id text, p_error_code text, p_error text)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO 'public'
AS $$
DECLARE
    n integer;
    delay interval;
    new_state text;
    new_send_at timestamptz;
    new_reason text;
BEGIN
    IF p_outcome NOT IN ('sent', 'retry', 'failed', 'cancelled') THEN
        RAISE EXCEPTION 'unknown outcome %', p_outcome USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT attempts INTO n FROM outbox
     WHERE tenant_id = p_tenant AND id = p_id AND state = 'sending' AND claimed_by = p_worker
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    delay := CASE WHEN p_outcome = 'retry' THEN outbox_retry_delay(n) END;
    new_state := CASE p_outcome WHEN 'sent' THEN 'sent' WHEN 'cancelled' THEN 'cancelled'
                                WHEN 'retry' THEN CASE WHEN delay IS NULL THEN 'failed'
                                                       ELSE 'queued' END
                                ELSE 'failed' END;
    new_send_at := now() + delay;
    new_reason := CASE WHEN p_outcome = 'cancelled' THEN p_error END;
    UPDATE outbox
       SET state = new_state,
           send_at = coalesce(new_send_at, send_at),
           provider_id = coalesce(p_provider_id, provider_id),
           error_code = p_error_code,
           last_error = p_error,
           cancel_reason = new_reason,
           claimed_by = NULL
     WHERE tenant_id = p_tenant AND id = p_id;
    RETURN true;
END
$$;

-- On Citus, the grants on the schema's sequences as the coordinator has them, made on every
-- worker too: Citus does not pass a sequence's grants on, and a function run on a tenant's
-- node draws there (audit_purge's checkpoint ids, as crm_audit_retention). Run by crm migrate
-- after citus_functions(); a no-op without Citus.
CREATE FUNCTION citus_sequence_grants() RETURNS integer
    LANGUAGE plpgsql AS $$
DECLARE
    g record;
    done integer := 0;
BEGIN
    IF NOT citus_present() THEN
        RETURN 0;
    END IF;
    -- each sequence's own grants, and USAGE of a table's identity sequence for the roles that
    -- may insert into the table (which PostgreSQL lets draw from it without a grant of its own)
    FOR g IN SELECT c.relname, a.privilege_type, r.rolname
               FROM pg_class c
               CROSS JOIN LATERAL aclexplode(c.relacl) a
               JOIN pg_roles r ON r.oid = a.grantee
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
                AND a.grantee <> c.relowner
             UNION
             SELECT s.relname, 'USAGE', r.rolname
               FROM pg_class s
               JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
                   AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
               JOIN pg_class t ON t.oid = d.refobjid
               CROSS JOIN LATERAL aclexplode(t.relacl) a
               JOIN pg_roles r ON r.oid = a.grantee
              WHERE s.relnamespace = 'public'::regnamespace AND s.relkind = 'S'
                AND a.privilege_type = 'INSERT' AND a.grantee <> t.relowner LOOP
        EXECUTE 'SELECT run_command_on_workers($1)'
            USING format('GRANT %s ON SEQUENCE public.%I TO %I', g.privilege_type, g.relname,
                         g.rolname);
        done := done + 1;
    END LOOP;
    RETURN done;
END
$$;
