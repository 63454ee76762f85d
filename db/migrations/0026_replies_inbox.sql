-- 0026_replies_inbox.sql - what comes back from the SMS provider: delivery reports and replies.
--  - inbound_messages: the replies contacts send to the tenant's messages, each matched to the
--    outbox row it answers; what was done with it automatically (intent, outcome, answer); and
--    whether someone has handled it (the inbox). provider_id (Twilio's MessageSid) is unique
--    per tenant: a webhook Twilio sends again is recorded once.
--  - A webhook carries no tenant. Two functions owned by crm_worker (which already reaches
--    every tenant's outbox) do the one thing that needs every tenant: outbox_provider_report
--    records a delivery report on the row with that provider id; inbound_match finds the
--    tenant of a reply (the one that sent the last message to its sender from its number).
--    Everything else runs under the matched tenant's identity, with row-level security.
CREATE TABLE inbound_messages (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    contact_id uuid,
    channel text NOT NULL CHECK (channel IN ('sms')),
    sender text NOT NULL CHECK (length(sender) BETWEEN 1 AND 64),
    recipient text NOT NULL CHECK (length(recipient) BETWEEN 1 AND 64),
    body text NOT NULL CHECK (length(body) <= 1600),
    provider_id text NOT NULL CHECK (length(provider_id) BETWEEN 1 AND 64),
    in_reply_to uuid,
    intent text NOT NULL CHECK (intent IN ('confirm', 'cancel', 'opt_out', 'other')),
    outcome text CHECK (outcome IN ('confirmed', 'cancelled', 'too_late', 'not_applicable')),
    opted_out boolean NOT NULL DEFAULT false,
    answer text CHECK (length(answer) <= 1600),
    received_at timestamptz NOT NULL DEFAULT now(),
    handled_at timestamptz,
    handled_by uuid,
    erased_at timestamptz, -- its contact was erased: the audit log records which fields, not
                           -- their values
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, provider_id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id),
    FOREIGN KEY (tenant_id, in_reply_to) REFERENCES outbox (tenant_id, id),
    FOREIGN KEY (tenant_id, handled_by) REFERENCES users (tenant_id, id),
    CHECK (handled_by IS NULL OR handled_at IS NOT NULL)
);
-- the inbox: unhandled first, newest first
CREATE INDEX inbound_messages_inbox
    ON inbound_messages (tenant_id, (handled_at IS NOT NULL), received_at DESC, id DESC);
CREATE INDEX inbound_messages_contact
    ON inbound_messages (tenant_id, contact_id, received_at DESC, id DESC);
-- a webhook sent again, whichever tenant recorded it first
CREATE INDEX inbound_messages_provider ON inbound_messages (provider_id);
ALTER TABLE inbound_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE inbound_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inbound_messages
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
GRANT SELECT, INSERT, UPDATE ON inbound_messages TO crm_app;
SELECT audit_attach('inbound_messages', 'contact_id');

-- crm_worker sees which provider ids were recorded, by which tenant, and nothing else of them.
CREATE POLICY worker_seen ON inbound_messages FOR SELECT TO crm_worker USING (true);
GRANT SELECT (tenant_id, provider_id) ON inbound_messages TO crm_worker;

-- How far along its way a provider's status is (Twilio's message statuses): a report never
-- moves a row back (delivered, then a late "sent", stays delivered). The final ones rank
-- alike, so the first final report stands; unknown statuses rank lowest.
CREATE FUNCTION outbox_provider_rank(p_status text) RETURNS integer
    LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
    SELECT CASE p_status
        WHEN 'accepted' THEN 1 WHEN 'scheduled' THEN 1 WHEN 'queued' THEN 2
        WHEN 'sending' THEN 3 WHEN 'sent' THEN 4
        WHEN 'delivered' THEN 5 WHEN 'undelivered' THEN 5 WHEN 'failed' THEN 5
        WHEN 'canceled' THEN 5 WHEN 'read' THEN 6 ELSE 0 END
$$;

-- Records the provider's report p_status (and its error code) on the SMS whose provider id
-- is p_provider_id, unless the row already has a status as far along. True when such an SMS
-- exists (whether or not the report changed it).
CREATE FUNCTION outbox_provider_report(p_provider_id text, p_status text, p_error_code text)
    RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM FROM outbox WHERE provider_id = p_provider_id AND channel = 'sms';
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE outbox SET provider_status = p_status, error_code = coalesce(p_error_code, error_code)
     WHERE provider_id = p_provider_id AND channel = 'sms'
       AND outbox_provider_rank(p_status) > CASE WHEN provider_status IS NULL THEN -1
                                                 ELSE outbox_provider_rank(provider_status) END;
    RETURN true;
END
$$;

-- The tenant a reply goes to: when a reply with this provider id was recorded already (the
-- webhook came again), that tenant, seen; otherwise the tenant, message and contact of the
-- last SMS sent to p_from from p_to, with the tenant's cancellation notice in hours
-- (settings.cancellation_notice_hours, 24 when absent). When that tenant sent that phone
-- messages about another record too in the two days before (a parent's phone on two
-- children's records), which one a "C" or "X" means is not known: the message and its topic
-- are then NULL, and the reply goes to the inbox for a person. No row: no tenant sent one, or
-- the one that did is not active.
CREATE FUNCTION inbound_match(p_provider_id text, p_from text, p_to text)
    RETURNS TABLE (tenant_id uuid, outbox_id uuid, contact_id uuid, topic text, seen boolean,
                   notice_hours integer)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY SELECT m.tenant_id, NULL::uuid, NULL::uuid, NULL::text, true, NULL::integer
                   FROM inbound_messages m WHERE m.provider_id = p_provider_id LIMIT 1;
    IF FOUND THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT o.tenant_id,
           CASE WHEN o.ambiguous THEN NULL ELSE o.id END,
           o.contact_id,
           CASE WHEN o.ambiguous THEN NULL ELSE o.topic END,
           false,
           CASE WHEN t.settings ->> 'cancellation_notice_hours' ~ '^[0-9]{1,4}$'
                THEN (t.settings ->> 'cancellation_notice_hours')::integer ELSE 24 END
      FROM (SELECT x.tenant_id, x.id, x.contact_id, x.topic,
                   EXISTS (SELECT 1 FROM outbox y
                            WHERE y.tenant_id = x.tenant_id AND y.recipient = p_from
                              AND y.sender = p_to AND y.channel = 'sms' AND y.state = 'sent'
                              AND y.sent_at > x.sent_at - interval '2 days'
                              AND y.subject_id IS DISTINCT FROM x.subject_id) AS ambiguous
              FROM outbox x
             WHERE x.recipient = p_from AND x.channel = 'sms' AND x.sent_at IS NOT NULL
               AND x.sender = p_to AND x.state = 'sent'
             ORDER BY x.sent_at DESC, x.id DESC LIMIT 1) o
      JOIN tenants t ON t.id = o.tenant_id
     WHERE t.status = 'active';
END
$$;

GRANT CREATE ON SCHEMA public TO crm_worker;
ALTER FUNCTION outbox_provider_report(text, text, text) OWNER TO crm_worker;
ALTER FUNCTION inbound_match(text, text, text) OWNER TO crm_worker;
REVOKE CREATE ON SCHEMA public FROM crm_worker;
REVOKE ALL ON FUNCTION outbox_provider_report(text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION inbound_match(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outbox_provider_report(text, text, text) TO crm_app;
GRANT EXECUTE ON FUNCTION inbound_match(text, text, text) TO crm_app;
GRANT EXECUTE ON FUNCTION outbox_provider_rank(text) TO crm_worker;
