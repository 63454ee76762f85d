-- 0006: the outbox: messages (SMS, email, webhooks) written in the same transaction as the
-- change that causes them, delivered later by a worker. Its states form a small machine:
--   queued -> sending -> sent | failed | queued (retry);  failed -> queued;  queued -> cancelled
CREATE TABLE outbox (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    topic text NOT NULL CHECK (topic ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$'),
    channel text NOT NULL CHECK (channel IN ('sms', 'email', 'webhook')),
    subject_id uuid,
    contact_id uuid,
    payload jsonb NOT NULL DEFAULT '{}',
    send_at timestamptz NOT NULL,
    state text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX outbox_due ON outbox (send_at) WHERE state = 'queued';
CREATE INDEX outbox_subject ON outbox (tenant_id, subject_id) WHERE state = 'queued';

CREATE FUNCTION outbox_transition() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF NEW.state IS DISTINCT FROM OLD.state AND NOT (
           (OLD.state = 'queued' AND NEW.state IN ('sending', 'cancelled'))
        OR (OLD.state = 'sending' AND NEW.state IN ('sent', 'failed', 'queued'))
        OR (OLD.state = 'failed' AND NEW.state = 'queued')) THEN
        RAISE EXCEPTION 'outbox message % cannot go from % to %', OLD.id, OLD.state, NEW.state
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.state = 'sending' AND OLD.state <> 'sending' THEN
        NEW.attempts := OLD.attempts + 1;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER outbox_transition BEFORE UPDATE ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_transition();

ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON outbox
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
GRANT SELECT, INSERT, UPDATE ON outbox TO crm_app;
