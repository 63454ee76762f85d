-- worker.sql - statements of worker.c: claiming outbox rows, wording them under each tenant's
-- identity, and recording what the channels answered

-- name: worker_session
-- The worker's session acts as crm_worker, outside the tenant steps of a claim, with the
-- statement timeout $1 (milliseconds) and its name $2 in pg_stat_activity.
SELECT set_config('role', 'crm_worker', false),
    set_config('statement_timeout', $1, false),
    set_config('application_name', $2, false);

-- name: worker_claim
-- Claims up to $2 due rows for worker $1 for $3 seconds (core 0023's outbox_claim).
-- returns: tenant_id, id, topic, channel, provider_id
SELECT c.tenant_id, c.id, c.topic, c.channel, c.provider_id
FROM outbox_claim($1, $2::integer, $3::integer) c
ORDER BY c.tenant_id, c.topic;

-- name: worker_as_tenant
-- Acts as crm_app for tenant $1 until worker_as_worker, inside the claiming transaction: a
-- module's context statement reads under the tenant's row-level security (where Citus is
-- loaded, set by SET LOCAL too, which reaches its workers: core migration 0030).
SELECT set_config('role', 'crm_app', true),
    set_config('app.tenant_id', $1, true),
    set_config('app.actor', 'worker', true),
    :on_citus(request_context('crm_app', $1, NULL, NULL, current_setting('statement_timeout'),
            NULL, NULL, NULL, 'worker'));

-- name: worker_as_worker
-- Back to crm_worker after worker_as_tenant.
SELECT set_config('role', 'crm_worker', true),
    set_config('app.tenant_id', '', true),
    :on_citus(request_context('crm_worker', NULL, NULL, NULL,
            current_setting('statement_timeout'), NULL, NULL, NULL, 'worker'));

-- name: worker_tenant
-- Under the tenant's identity: its name, settings, and its own templates of the kinds $1
-- (text[]) as a JSON array of {kind, channel, subject, body, html}.
-- returns: name, settings, templates
SELECT t.name,
    t.settings,
    coalesce((
        SELECT json_agg(json_build_object('kind', m.kind, 'channel', m.channel,
            'subject', m.subject, 'body', m.body, 'html', m.html))
        FROM message_templates m
        WHERE m.tenant_id = current_tenant_id() AND m.kind = ANY ($1::text[])
    ), '[]') AS templates
FROM tenants t
WHERE t.id = current_tenant_id();

-- name: worker_prepared
-- Records what the claimed rows of worker $2 in tenant $3 will say, from $1, a JSON array of
-- {tenant_id, id, recipient, sender, subject, body, reason}: a row with a reason no longer
-- applies and is cancelled with it.
UPDATE outbox o
SET recipient = u.recipient,
    sender = u.sender,
    subject = u.subject,
    body = u.body,
    state = CASE WHEN u.reason IS NULL THEN o.state ELSE 'cancelled' END,
    cancel_reason = u.reason,
    claimed_by = CASE WHEN u.reason IS NULL THEN o.claimed_by END
FROM jsonb_to_recordset($1::jsonb) AS u (tenant_id uuid, id uuid, recipient text, sender text,
    subject text, body text, reason text)
WHERE o.tenant_id = $3::uuid AND u.tenant_id = $3::uuid AND o.id = u.id AND o.state = 'sending'
    AND o.claimed_by = $2;

-- name: worker_settle
-- Records the channel's answer for a row worker $3 holds (core 0023's outbox_settle).
-- returns: settled
SELECT outbox_settle($1::uuid, $2::uuid, $3, $4, $5, $6, $7) AS settled;

-- name: worker_release
-- Gives a claimed row that was not sent back to the queue at once, the claim not counting as
-- an attempt (a worker stopping before it got to it).
-- returns: released
SELECT outbox_release($1::uuid, $2::uuid, $3) AS released;

-- name: worker_queue
-- The queue as /metrics shows it: rows due now and not claimed, and how long the oldest of
-- them has waited (seconds).
-- returns: depth, oldest_due_s
SELECT count(*) AS depth,
    coalesce(extract(epoch FROM now() - min(send_at)), 0)::float8 AS oldest_due_s
FROM outbox
WHERE state = 'queued' AND send_at <= now() AND channel <> 'webhook';
