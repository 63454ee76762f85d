-- 0024_message_templates.sql - what the delivery worker needs besides the queue.
--  - message_templates: a tenant's own wording of a kind of message on a channel, replacing the
--    default its module ships; absent rows mean the default.
--  - outbox.recipient and outbox.sender: the address or number a message went to and from, as
--    the provider saw them, so that a reply is matched to the last message its sender received;
--    outbox.subject and outbox.body: what it said (the email's subject and plain text, or the
--    SMS), as rendered when it was sent.
CREATE TABLE message_templates (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$'),
    channel text NOT NULL CHECK (channel IN ('sms', 'email')),
    subject text CHECK ((channel = 'email') = (subject IS NOT NULL)),
    body text NOT NULL,
    html text CHECK ((channel = 'email') = (html IS NOT NULL)),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind, channel),
    UNIQUE (tenant_id, id)
);
ALTER TABLE message_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE message_templates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON message_templates
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON message_templates TO crm_app;
SELECT audit_attach('message_templates');

ALTER TABLE outbox
    ADD COLUMN recipient text,
    ADD COLUMN sender text,
    ADD COLUMN subject text,
    ADD COLUMN body text;
UPDATE outbox SET recipient = payload ->> 'to' WHERE recipient IS NULL;
CREATE INDEX outbox_replies ON outbox (recipient, sent_at DESC)
    WHERE channel = 'sms' AND sent_at IS NOT NULL;
