-- 0027_outbox_release.sql - a worker that stops gives back the rows it claimed but did not
-- send: at once, and without the claim counting as an attempt, so that a restart or a
-- deployment delays nothing. And a row whose worker died holding it six times (a message that
-- crashes whoever sends it) fails rather than going round for ever.
CREATE FUNCTION outbox_release(p_tenant uuid, p_id uuid, p_worker text)
    RETURNS boolean LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    UPDATE outbox SET state = 'queued', claimed_by = NULL, attempts = greatest(attempts - 1, 0)
     WHERE tenant_id = p_tenant AND id = p_id AND state = 'sending' AND claimed_by = p_worker;
    RETURN FOUND;
END
$$;
REVOKE ALL ON FUNCTION outbox_release(uuid, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outbox_release(uuid, uuid, text) TO crm_worker;

CREATE OR REPLACE FUNCTION outbox_claim(p_worker text, p_batch integer, p_lease_seconds integer)
    RETURNS SETOF outbox LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    r record;
    claimed outbox;
BEGIN
    UPDATE outbox o SET state = CASE WHEN o.attempts >= 6 THEN 'failed' ELSE 'queued' END,
           claimed_by = NULL,
           last_error = 'the lease of ' || o.claimed_by || ' ran out before it reported'
               || CASE WHEN o.attempts >= 6 THEN ', six times' ELSE '' END
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
