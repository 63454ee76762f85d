-- sms_webhooks.sql - statements of sms_webhooks.c: the SMS provider's delivery reports and the
-- replies it forwards

-- name: webhook_actor
-- Changes made by a webhook are the SMS channel's, for the audit log (app.actor; where Citus
-- is loaded, set by SET LOCAL too, for its workers, where the audit rows are written).
SELECT set_config('app.actor', 'sms', true),
    :on_citus(request_set('app.actor', 'sms'));

-- name: provider_report
-- Records delivery report $2 (error code $3) on the SMS whose provider id is $1, in whichever
-- tenant sent it (outbox_provider_report, core 0026); found: whether one did.
-- returns: found
SELECT outbox_provider_report($1, $2, $3) AS found;

-- name: reply_match
-- The tenant of reply $1 from $2 to $3 (inbound_match, core 0026): seen when it was recorded
-- already, otherwise the last SMS sent to $2 from $3 and its contact; no row when none.
-- returns: tenant_id, outbox_id, contact_id, topic, seen, notice_hours
SELECT m.tenant_id, m.outbox_id, m.contact_id, m.topic, m.seen, m.notice_hours
FROM inbound_match($1, $2, $3) m;

-- name: reply_record
-- The reply in the tenant's inbox: from contact $1 ($2 to $3, text $4, provider id $5), to
-- outbox row $6, read as $7 (intent), with outcome $8, opt-out $9 and answer $10, handled
-- already when $11 (by nobody: it needed no one). A provider id seen before fails on the
-- unique constraint (inbound_messages_tenant_id_provider_id_key). Beside its id, the tenant's
-- name for an answer.
-- returns: id, tenant_name
WITH m AS (
    INSERT INTO inbound_messages AS m (tenant_id, contact_id, channel, sender, recipient, body,
        provider_id, in_reply_to, intent, outcome, opted_out, answer, handled_at)
    VALUES (current_tenant_id(), $1::uuid, 'sms', $2, $3, $4, $5, $6::uuid, $7, $8,
        $9::boolean, $10, choose($11::boolean, now(), NULL))
    RETURNING m.id
)
SELECT m.id, t.name AS tenant_name
FROM m, tenants t
WHERE t.id = current_tenant_id();

-- name: reply_opt_out
-- Contact $1 replied STOP (or another opt-out word): its SMS consents are withdrawn, each one
-- that changes with a new time in consent_updated_at (the audit log names the sms actor).
UPDATE contacts c
SET consent = c.consent || '{"sms_reminders": false, "sms_marketing": false}',
    consent_updated_at = c.consent_updated_at || coalesce((
        SELECT jsonb_object_agg(k.key, now())
        FROM unnest(ARRAY['sms_reminders', 'sms_marketing']) AS k (key)
        WHERE c.consent -> k.key IS DISTINCT FROM 'false'::jsonb
    ), '{}'),
    version = c.version + 1,
    updated_at = now()
WHERE c.tenant_id = current_tenant_id()
    AND c.id = $1::uuid
    AND c.erased_at IS NULL
    AND (c.consent -> 'sms_reminders' IS DISTINCT FROM 'false'::jsonb
        OR c.consent -> 'sms_marketing' IS DISTINCT FROM 'false'::jsonb);

-- name: reply_outcome
-- What the message's kind did with reply $1: outcome $2, answer $3, handled already when $4.
UPDATE inbound_messages
SET outcome = $2, answer = $3, handled_at = choose($4::boolean, now(), NULL),
    version = version + 1, updated_at = now()
WHERE tenant_id = current_tenant_id() AND id = $1::uuid;
