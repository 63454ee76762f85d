-- activities.sql - statements of activities.c: tasks, notes, calls, meetings, emails, events

-- fragment: activity_json
json_build_object('id', a.id, 'tenant_id', a.tenant_id, 'type', a.type, 'subject', a.subject,
    'body', a.body, 'contact_id', a.contact_id, 'deal_id', a.deal_id, 'due_at', a.due_at,
    'starts_at', a.starts_at, 'ends_at', a.ends_at, 'assigned_to', a.assigned_to,
    'completed_at', a.completed_at, 'priority', a.priority, 'custom_fields', a.custom_fields,
    'created_at', a.created_at, 'updated_at', a.updated_at, 'created_by', a.created_by,
    'version', a.version)

-- name: activity_create
-- The contact must be live; custom fields were validated against a remembered context ($15,
-- $16: nothing is written unless it is still the tenant's). $13, $14: Idempotency-Key and the
-- body's hash.
-- returns: j, version, id, request_hash, status, body, ok, country, defs
WITH :idem_prior('activities', $13),
:entity_context_check('activity', $15, $16),
:new_id(fresh),
a_row AS (
    INSERT INTO activities AS a (tenant_id, id, type, subject, body, contact_id, deal_id,
        due_at, starts_at, ends_at, assigned_to, completed_at, priority, custom_fields,
        created_by)
    SELECT t.tenant_id, fresh.id, $1, $2, $3, $4::uuid, $5::uuid, $6::timestamptz,
        $7::timestamptz, $8::timestamptz, $9::uuid, $10::timestamptz, coalesce($11, 'normal'),
        coalesce($12::jsonb, '{}'), nullif(current_setting('app.user_id', true), '')::uuid
    FROM tenant_anchors t, fresh
    WHERE t.tenant_id = current_tenant_id()
        AND NOT EXISTS (SELECT 1 FROM prior)
        AND (SELECT ok FROM ctx)
        AND :live_contact($4::uuid)
    RETURNING a.*
),
a AS (
    SELECT :activity_json AS j, a.version, a.id
    FROM a_row a
),
:idem_store('activities', $13, $14, a)
:record_created(a);

-- name: activity_get
-- returns: j, version
:record_get(activities, a, :activity_json);

-- fragment: activities_list(key, cast, cmp, dir)
-- A page of live activities sorted by key (then id), filtered by contact ($1), deal ($2),
-- type ($3), assignee ($4), due before ($5), completed or not ($6) and overdue ($7), after
-- the cursor's key and id ($8, $9).
SELECT :activity_json AS j, (:key)::text AS k, a.id
FROM activities a
WHERE a.tenant_id = current_tenant_id()
    AND a.deleted_at IS NULL
    AND ($1::uuid IS NULL OR a.contact_id = $1::uuid)
    AND ($2::uuid IS NULL OR a.deal_id = $2::uuid)
    AND ($3::text IS NULL OR a.type = $3)
    AND ($4::uuid IS NULL OR a.assigned_to = $4::uuid)
    AND ($5::timestamptz IS NULL OR a.due_at < $5::timestamptz)
    AND ($6::boolean IS NULL OR (a.completed_at IS NOT NULL) = $6::boolean)
    AND (NOT $7::boolean OR (a.completed_at IS NULL AND a.due_at < now()))
    AND ($8::text IS NULL OR (:key, a.id) :cmp (CAST($8 AS :cast), $9::uuid))
ORDER BY :key :dir, a.id :dir
LIMIT $10::int

-- name: activities_list_created_desc
-- returns: j, k, id
:activities_list(a.created_at, timestamptz, <, DESC);

-- name: activities_list_created_asc
-- returns: j, k, id
:activities_list(a.created_at, timestamptz, >, ASC);

-- name: activities_list_due_asc
-- returns: j, k, id
:activities_list(coalesce(a.due_at, 'infinity'), timestamptz, >, ASC);

-- name: activities_list_due_desc
-- returns: j, k, id
:activities_list(coalesce(a.due_at, '-infinity'), timestamptz, <, DESC);

-- name: activity_update
-- Given fields ($14 names them) are set; null clears the optional ones. $13: the version
-- If-Match names; $15, $16: the remembered context.
-- returns: j, version, ok, country, defs
WITH :entity_context_check('activity', $15, $16),
u_row AS (
    UPDATE activities a
    SET type = coalesce($2, a.type),
        subject = coalesce($3, a.subject),
        body = CASE WHEN 'body' = ANY ($14::text[]) THEN $4 ELSE a.body END,
        deal_id = CASE WHEN 'deal_id' = ANY ($14::text[]) THEN $5::uuid ELSE a.deal_id END,
        due_at = CASE WHEN 'due_at' = ANY ($14::text[]) THEN $6::timestamptz ELSE a.due_at END,
        starts_at = CASE WHEN 'starts_at' = ANY ($14::text[]) THEN $7::timestamptz
            ELSE a.starts_at END,
        ends_at = CASE WHEN 'ends_at' = ANY ($14::text[]) THEN $8::timestamptz
            ELSE a.ends_at END,
        assigned_to = CASE WHEN 'assigned_to' = ANY ($14::text[]) THEN $9::uuid
            ELSE a.assigned_to END,
        completed_at = CASE WHEN 'completed_at' = ANY ($14::text[]) THEN $10::timestamptz
            ELSE a.completed_at END,
        priority = coalesce($11, a.priority),
        custom_fields = jsonb_strip_nulls(a.custom_fields || coalesce($12::jsonb, '{}')),
        version = a.version + 1,
        updated_at = now()
    WHERE a.tenant_id = current_tenant_id()
        AND a.id = $1
        AND a.deleted_at IS NULL
        AND a.version = $13::int
        AND (SELECT ok FROM ctx)
    RETURNING a.*
),
u AS (
    SELECT :activity_json AS j, a.version
    FROM u_row a
)
:record_changed(u);

-- name: activity_version
-- returns: version
:record_version(activities);

-- name: activity_delete
-- returns: deleted, version
:record_delete(activities);

-- name: activity_restore
-- returns: j, version
:record_restore(activities, a, :activity_json);
