-- 0023_outbox_delivery.sql - the outbox becomes a delivery queue that several workers drain.
--  - crm_worker is the delivery worker's role: it reads and updates the outbox of every
--    tenant (its own policy) and reads each tenant's status, zone and settings; nothing else.
--  - A worker claims due rows with FOR UPDATE SKIP LOCKED and a lease (outbox_claim): each row
--    is sent by one worker, and a row whose worker died is claimed again once its lease ends.
--    Delivery is at least once: a crash between the provider's acceptance and outbox_settle
--    sends that row again.
--  - Before claiming, a row that no longer makes sense is cancelled with the reason (the
--    tenant is suspended, or it is past its not_after), and one due inside the tenant's quiet
--    hours waits for their end unless it is urgent (a confirmation of a change just made).
--  - outbox_settle records what the channel answered: sent; a temporary failure is tried again
--    after about 1 min, 5 min, 30 min, 2 h and 6 h (with jitter), then failed; a permanent
--    failure fails at once.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'crm_worker') THEN
        CREATE ROLE crm_worker NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
END
$$;
GRANT crm_worker TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO crm_worker;

ALTER TABLE outbox
    ADD COLUMN urgent boolean NOT NULL DEFAULT false,
    ADD COLUMN not_after timestamptz,
    ADD COLUMN lease_until timestamptz,
    ADD COLUMN claimed_by text,
    ADD COLUMN sent_at timestamptz,
    ADD COLUMN provider_id text,
    ADD COLUMN provider_status text,
    ADD COLUMN error_code text,
    ADD COLUMN cancel_reason text;
CREATE INDEX outbox_leased ON outbox (lease_until) WHERE state = 'sending';
CREATE INDEX outbox_provider ON outbox (provider_id) WHERE provider_id IS NOT NULL;

-- A claimed row may turn out not to apply any more (sending -> cancelled); a sent row records
-- when.
CREATE OR REPLACE FUNCTION outbox_transition() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF NEW.state IS DISTINCT FROM OLD.state AND NOT (
           (OLD.state = 'queued' AND NEW.state IN ('sending', 'cancelled'))
        OR (OLD.state = 'sending' AND NEW.state IN ('sent', 'failed', 'queued', 'cancelled'))
        OR (OLD.state = 'failed' AND NEW.state = 'queued')) THEN
        RAISE EXCEPTION 'outbox message % cannot go from % to %', OLD.id, OLD.state, NEW.state
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.state = 'sending' AND OLD.state <> 'sending' THEN
        NEW.attempts := OLD.attempts + 1;
    END IF;
    IF NEW.state = 'sent' AND OLD.state <> 'sent' THEN
        NEW.sent_at := now();
    END IF;
    IF NEW.state <> 'sending' THEN
        NEW.lease_until := NULL;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE POLICY worker_delivery ON outbox TO crm_worker USING (true) WITH CHECK (true);
GRANT SELECT, UPDATE ON outbox TO crm_worker;
CREATE POLICY worker_read ON tenants FOR SELECT TO crm_worker USING (true);
GRANT SELECT (id, status, time_zone, settings) ON tenants TO crm_worker;

-- When the tenant's quiet hours that contain `at` end, or `at` itself outside them. Quiet
-- hours are settings.quiet_hours {"start": "HH:MM", "end": "HH:MM"} in the tenant's zone
-- (21:00-08:00 when absent, none when null); a start after the end spans midnight.
CREATE FUNCTION outbox_quiet_until(p_zone text, p_settings jsonb, p_at timestamptz)
    RETURNS timestamptz LANGUAGE plpgsql STABLE SET search_path = public AS $$
DECLARE
    q jsonb := CASE WHEN p_settings ? 'quiet_hours' THEN p_settings -> 'quiet_hours'
                    ELSE '{"start": "21:00", "end": "08:00"}' END;
    local timestamp := p_at AT TIME ZONE p_zone;
    s time;
    e time;
    t time := local::time;
    ends timestamp;
BEGIN
    IF q IS NULL OR jsonb_typeof(q) <> 'object' THEN
        RETURN p_at;
    END IF;
    s := (q ->> 'start')::time;
    e := (q ->> 'end')::time;
    IF s = e THEN
        RETURN p_at;
    ELSIF s < e THEN
        IF t >= s AND t < e THEN ends := local::date + e; END IF;
    ELSIF t >= s THEN
        ends := local::date + 1 + e;
    ELSIF t < e THEN
        ends := local::date + e;
    END IF;
    RETURN coalesce(ends AT TIME ZONE p_zone, p_at);
END
$$;

-- How long to wait before attempt n + 1 after attempt n failed for a passing reason, with
-- +/-20 % jitter so that a provider's outage does not end in one burst; NULL: give up.
CREATE FUNCTION outbox_retry_delay(p_attempts integer) RETURNS interval
    LANGUAGE sql VOLATILE SET search_path = public AS $$
    SELECT (CASE p_attempts WHEN 1 THEN interval '1 minute' WHEN 2 THEN interval '5 minutes'
                            WHEN 3 THEN interval '30 minutes' WHEN 4 THEN interval '2 hours'
                            WHEN 5 THEN interval '6 hours' END) * (0.8 + random() * 0.4)
$$;

-- Claims up to p_batch due rows for worker p_worker for p_lease_seconds. Rows whose lease ran
-- out go back to the queue first; rows that no longer apply are cancelled and rows inside
-- quiet hours postponed on the way.
CREATE FUNCTION outbox_claim(p_worker text, p_batch integer, p_lease_seconds integer)
    RETURNS SETOF outbox LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    r record;
    claimed outbox;
BEGIN
    UPDATE outbox o SET state = 'queued', claimed_by = NULL,
           last_error = 'the lease of ' || o.claimed_by || ' ran out before it reported'
     WHERE (o.tenant_id, o.id) IN (SELECT x.tenant_id, x.id FROM outbox x
                                    WHERE x.state = 'sending' AND x.lease_until < now()
                                    FOR UPDATE SKIP LOCKED);
    FOR r IN
        SELECT o.tenant_id, o.id, o.urgent, o.not_after, t.status,
               outbox_quiet_until(t.time_zone, t.settings, now()) AS quiet_end
          FROM outbox o JOIN tenants t ON t.id = o.tenant_id
         WHERE o.state = 'queued' AND o.send_at <= now() AND o.channel <> 'webhook'
         ORDER BY o.send_at
         LIMIT p_batch
           FOR UPDATE OF o SKIP LOCKED
    LOOP
        IF r.status <> 'active' THEN
            UPDATE outbox SET state = 'cancelled', cancel_reason = 'the tenant is suspended'
             WHERE tenant_id = r.tenant_id AND id = r.id;
        ELSIF r.not_after IS NOT NULL AND r.not_after <= now() THEN
            UPDATE outbox SET state = 'cancelled', cancel_reason = 'too late to matter'
             WHERE tenant_id = r.tenant_id AND id = r.id;
        ELSIF NOT r.urgent AND r.quiet_end > now() THEN
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
                   lease_until = now() + make_interval(secs => p_lease_seconds)
             WHERE tenant_id = r.tenant_id AND id = r.id
            RETURNING * INTO claimed;
            RETURN NEXT claimed;
        END IF;
    END LOOP;
END
$$;

-- Records what the channel answered for a row p_worker claimed: 'sent', 'retry' (a temporary
-- failure), 'failed' (a permanent one) or 'cancelled' (it no longer applies). False when the
-- row is no longer this worker's (its lease ran out and another claimed it).
CREATE FUNCTION outbox_settle(p_tenant uuid, p_id uuid, p_worker text, p_outcome text,
                              p_provider_id text, p_error_code text, p_error text)
    RETURNS boolean LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    n integer;
    delay interval;
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
    UPDATE outbox
       SET state = CASE p_outcome WHEN 'sent' THEN 'sent' WHEN 'cancelled' THEN 'cancelled'
                                  WHEN 'retry' THEN CASE WHEN delay IS NULL THEN 'failed'
                                                         ELSE 'queued' END
                                  ELSE 'failed' END,
           send_at = CASE WHEN delay IS NOT NULL THEN now() + delay ELSE send_at END,
           provider_id = coalesce(p_provider_id, provider_id),
           error_code = p_error_code,
           last_error = p_error,
           cancel_reason = CASE WHEN p_outcome = 'cancelled' THEN p_error END,
           claimed_by = NULL
     WHERE tenant_id = p_tenant AND id = p_id;
    RETURN true;
END
$$;

REVOKE ALL ON FUNCTION outbox_claim(text, integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION outbox_settle(uuid, uuid, text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outbox_claim(text, integer, integer) TO crm_worker;
GRANT EXECUTE ON FUNCTION outbox_settle(uuid, uuid, text, text, text, text, text) TO crm_worker;
GRANT EXECUTE ON FUNCTION outbox_quiet_until(text, jsonb, timestamptz) TO crm_worker;
GRANT EXECUTE ON FUNCTION outbox_retry_delay(integer) TO crm_worker;
