-- contact_360.sql - statements of contact_360.c: a contact's timeline, GDPR export, erasure
-- and merge

-- name: contact_live
-- Whether $1 is a live contact of the tenant.
SELECT 1
FROM contacts
WHERE tenant_id = current_tenant_id() AND id = $1 AND deleted_at IS NULL;

-- name: timeline_audit
-- Reading the timeline of a contact of a sensitive type is audited (any contact's with the
-- tenant's audit_all_reads).
SELECT audit_read(current_tenant_id(), 'read', 'contacts', $1::text, $1::text::uuid,
    '{"view": "timeline"}');

-- name: export_audit
-- Exporting a contact's data is audited, as reading its timeline is.
SELECT audit_read(current_tenant_id(), 'export', 'contacts', $1::text, $1::text::uuid,
    '{"view": "gdpr-export"}');

-- fragment: timeline_after(at, id)
-- The end of one kind's part of the timeline: after the cursor ($2, $3), newest first, at most
-- $4 rows.
AND ($2::timestamptz IS NULL OR (:at, :id) < ($2::timestamptz, $3::uuid))
ORDER BY :at DESC, :id DESC
LIMIT $4::int

-- name: contact_timeline
-- Deals, stage changes, activities and messages (SMS and email, at when they were sent or are
-- due) of contact $1, newest first, from the cursor on (deals and stage changes only with $5,
-- for roles that may read deals; what a message said only with $6, for roles that may read
-- messages). Each kind takes its own
-- newest page first (an index scan that stops, and JSON for those rows only); the page is the
-- newest of those: a busy contact's 1,000 activities cost 51. Rows as module.h's timeline
-- hooks give them.
-- returns: at, id, kind, summary
SELECT to_char((e.at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
    e.id,
    e.kind,
    e.summary
FROM (
    (
        SELECT d.created_at AS at,
            d.id,
            'deal' AS kind,
            json_build_object('title', d.title, 'status', d.status, 'amount_minor',
                d.amount_minor, 'currency', d.currency) AS summary
        FROM deals d
        WHERE d.tenant_id = current_tenant_id()
            AND d.contact_id = $1
            AND $5::boolean
            AND d.deleted_at IS NULL
            :timeline_after(d.created_at, d.id)
    )
    UNION ALL
    (
        SELECT h.changed_at,
            h.id,
            'stage_change',
            json_build_object('deal_id', h.deal_id, 'deal_title', d.title, 'from_stage',
                f.name, 'to_stage', t.name)
        FROM deal_stage_history h
        JOIN deals d ON d.tenant_id = h.tenant_id AND d.id = h.deal_id
        JOIN pipeline_stages t ON t.tenant_id = h.tenant_id AND t.id = h.to_stage_id
        LEFT JOIN pipeline_stages f ON f.tenant_id = h.tenant_id AND f.id = h.from_stage_id
        WHERE h.tenant_id = current_tenant_id()
            AND d.contact_id = $1
            AND $5::boolean
            AND d.deleted_at IS NULL
            AND h.from_stage_id IS NOT NULL
            :timeline_after(h.changed_at, h.id)
    )
    UNION ALL
    (
        SELECT a.created_at,
            a.id,
            'activity',
            json_build_object('type', a.type, 'subject', a.subject, 'due_at', a.due_at,
                'completed_at', a.completed_at, 'deal_id', a.deal_id)
        FROM activities a
        WHERE a.tenant_id = current_tenant_id()
            AND a.contact_id = $1
            AND a.deleted_at IS NULL
            :timeline_after(a.created_at, a.id)
    )
    UNION ALL
    (
        SELECT coalesce(o.sent_at, o.send_at),
            o.id,
            'message',
            (jsonb_build_object('kind', o.topic, 'channel', o.channel, 'status', o.state,
                'send_at', o.send_at, 'sent_at', o.sent_at)
                || CASE WHEN $6::boolean
                    THEN jsonb_build_object('subject', o.subject, 'body', o.body)
                    ELSE '{}' END)::json
        FROM outbox o
        WHERE o.tenant_id = current_tenant_id()
            AND o.contact_id = $1
            AND o.channel <> 'webhook'
            :timeline_after(coalesce(o.sent_at, o.send_at), o.id)
    )
) e
ORDER BY e.at DESC, e.id DESC
LIMIT $4::int;

-- name: contact_export
-- Everything held about the person $1, from the core; modules add theirs under "modules".
-- returns: doc
SELECT json_build_object('contact', to_json(c),
        'deals', coalesce((
            SELECT json_agg(to_json(d) ORDER BY d.created_at)
            FROM deals d
            WHERE d.tenant_id = c.tenant_id AND d.contact_id = c.id
        ), '[]'),
        'deal_stage_history', coalesce((
            SELECT json_agg(to_json(h) ORDER BY h.changed_at)
            FROM deal_stage_history h
            JOIN deals d ON d.tenant_id = h.tenant_id AND d.id = h.deal_id
            WHERE h.tenant_id = c.tenant_id AND d.contact_id = c.id
        ), '[]'),
        'activities', coalesce((
            SELECT json_agg(to_json(a) ORDER BY a.created_at)
            FROM activities a
            WHERE a.tenant_id = c.tenant_id AND a.contact_id = c.id
        ), '[]'),
        'messages', coalesce((
            SELECT json_agg(to_json(o) ORDER BY o.created_at)
            FROM outbox o
            WHERE o.tenant_id = c.tenant_id AND o.contact_id = c.id AND o.channel <> 'webhook'
        ), '[]'),
        'merges', coalesce((
            SELECT json_agg(to_json(m) ORDER BY m.merged_at)
            FROM contact_merges m
            WHERE m.tenant_id = c.tenant_id AND (m.survivor_id = c.id OR m.source_id = c.id)
        ), '[]'),
        'exported_at', now()) AS doc
FROM contacts c
WHERE c.tenant_id = current_tenant_id() AND c.id = $1 AND c.deleted_at IS NULL;

-- name: contact_erase
-- Personal data of contact $1 goes; ids, links, amounts and times stay, so deals, activities
-- and the audit trail remain consistent. The contact becomes a deleted, erased tombstone. Its
-- messages keep their kind, channel, state and times, not where they went nor what they said;
-- those not yet sent are cancelled.
-- returns: erased
WITH c AS (
    UPDATE contacts
    SET first_name = NULL, last_name = NULL, email = NULL, phone = NULL,
        date_of_birth = NULL, gender = NULL, address = '{}', company = NULL, tags = '{}',
        source = NULL, custom_fields = '{}', consent = '{}', consent_updated_at = '{}',
        erased_at = now(), deleted_at = choose(deleted_at IS NULL, now(), deleted_at),
        version = version + 1,
        updated_at = now()
    WHERE tenant_id = current_tenant_id() AND id = $1 AND erased_at IS NULL
    RETURNING id, erased_at
),
a AS (
    UPDATE activities
    SET subject = '[erased]', body = NULL, custom_fields = '{}', version = version + 1,
        updated_at = now()
    WHERE tenant_id = current_tenant_id() AND contact_id = $1 AND EXISTS (SELECT 1 FROM c)
    RETURNING 1
),
d AS (
    UPDATE deals
    SET title = '[erased]', custom_fields = '{}', lost_reason = NULL, version = version + 1,
        updated_at = now()
    WHERE tenant_id = current_tenant_id() AND contact_id = $1 AND EXISTS (SELECT 1 FROM c)
    RETURNING 1
),
m AS (
    UPDATE outbox
    SET recipient = NULL, subject = NULL, body = NULL, payload = '{}', last_error = NULL,
        state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,
        cancel_reason = CASE WHEN state = 'queued' THEN 'the contact was erased'
            ELSE cancel_reason END
    WHERE tenant_id = current_tenant_id() AND contact_id = $1 AND channel <> 'webhook'
        AND EXISTS (SELECT 1 FROM c)
    RETURNING 1
)
SELECT json_build_object('id', c.id, 'erased_at', c.erased_at, 'activities',
        (SELECT count(*) FROM a), 'deals', (SELECT count(*) FROM d)) AS erased
FROM c;

-- name: contact_erase_history
-- The values the audit log holds of erased contact $1 go too (core migrations 0021, 0035):
-- a call of its own, which a Citus cluster runs on the tenant's node.
SELECT audit_redact_contact(current_tenant_id(), $1::uuid);

-- name: contact_merge
-- Merges source $2 into survivor $1: empty fields of the survivor are filled from the source
-- (tags and consent are united), the merge is recorded with the deals and activities that
-- move (contact_merge_move, next), and the source stays as a deleted tombstone pointing at the
-- survivor. The source's messages (sent or queued) move with its activities.
-- survivor_found and source_found are 1 when each is a live contact of the tenant.
-- returns: survivor_found, source_found, moved, version
WITH s AS (
    SELECT *
    FROM contacts
    WHERE tenant_id = current_tenant_id() AND id = $2 AND deleted_at IS NULL AND id <> $1
    FOR UPDATE
),
v AS (
    SELECT *
    FROM contacts
    WHERE tenant_id = current_tenant_id() AND id = $1 AND deleted_at IS NULL
    FOR UPDATE
),
ok AS (
    SELECT 1 FROM s, v
),
moving AS (
    SELECT (SELECT count(*) FROM deals
            WHERE tenant_id = current_tenant_id() AND contact_id = $2) AS deals,
        (SELECT count(*) FROM activities
            WHERE tenant_id = current_tenant_id() AND contact_id = $2) AS activities
),
o AS (
    UPDATE outbox
    SET contact_id = $1
    WHERE tenant_id = current_tenant_id() AND contact_id = $2 AND EXISTS (SELECT 1 FROM ok)
),
fill AS (
    UPDATE contacts c
    SET first_name = coalesce(c.first_name, s.first_name),
        last_name = coalesce(c.last_name, s.last_name),
        email = coalesce(c.email, s.email),
        phone = coalesce(c.phone, s.phone),
        date_of_birth = coalesce(c.date_of_birth, s.date_of_birth),
        gender = coalesce(c.gender, s.gender),
        address = CASE WHEN c.address = '{}' THEN s.address ELSE c.address END,
        company = coalesce(c.company, s.company),
        tags = ARRAY(SELECT DISTINCT unnest(c.tags || s.tags) ORDER BY 1),
        owner_id = coalesce(c.owner_id, s.owner_id),
        source = coalesce(c.source, s.source),
        custom_fields = s.custom_fields || c.custom_fields,
        consent = s.consent || c.consent,
        consent_updated_at = s.consent_updated_at || c.consent_updated_at,
        type = CASE WHEN s.type = ANY (:sticky_types) AND c.type <> ALL (:sticky_types)
            THEN s.type ELSE c.type END,
        version = c.version + 1,
        updated_at = now()
    FROM s
    WHERE c.tenant_id = current_tenant_id() AND c.id = $1
    RETURNING c.*
),
tomb AS (
    UPDATE contacts
    SET merged_into = $1, deleted_at = now(), version = version + 1, updated_at = now()
    WHERE tenant_id = current_tenant_id() AND id = $2 AND EXISTS (SELECT 1 FROM ok)
    RETURNING id
),
:new_id(fresh),
rec AS (
    INSERT INTO contact_merges AS m (tenant_id, id, survivor_id, source_id, merged_by, moved)
    SELECT t.tenant_id, fresh.id, $1, $2, nullif(current_setting('app.user_id', true), '')::uuid,
        json_build_object('deals', (SELECT deals FROM moving), 'activities',
            (SELECT activities FROM moving))
    FROM tenant_anchors t, fresh
    WHERE t.tenant_id = current_tenant_id() AND EXISTS (SELECT 1 FROM ok)
    RETURNING m.moved
)
SELECT (SELECT count(*) FROM v) AS survivor_found,
    (SELECT count(*) FROM s) AS source_found,
    (SELECT moved FROM rec),
    (SELECT version FROM fill);

-- name: contact_merge_move
-- The deals and activities of source $2 move to survivor $1 once contact_merge made $2 its
-- tombstone (core migration 0037): a call of its own, which a Citus cluster runs on the
-- tenant's node.
SELECT contact_merge_move(current_tenant_id(), $1::uuid, $2::uuid);
