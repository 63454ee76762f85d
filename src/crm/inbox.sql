-- inbox.sql - statements of inbox.c: the replies contacts sent, for someone to read and handle,
-- and on their contact's timeline

-- fragment: inbox_json
-- Reply m as jsonb: who sent it (the contact and their name, the address), what it said, what
-- it answered (the outbox row and its kind), what was done with it automatically, and whether
-- someone has handled it. The other tables are read in the request's tenant, a value (after a
-- write, m is its result, to which Citus correlates no subquery: docs/sql.md).
jsonb_build_object('id', m.id, 'contact_id', m.contact_id,
    'contact_name', (SELECT coalesce(nullif(btrim(coalesce(c.first_name, '') || ' '
            || coalesce(c.last_name, '')), ''), c.company)
        FROM contacts c WHERE c.tenant_id = current_tenant_id() AND c.id = m.contact_id),
    'channel', m.channel, 'from', m.sender, 'to', m.recipient, 'body', m.body,
    'received_at', m.received_at, 'in_reply_to', m.in_reply_to,
    'topic', (SELECT o.topic FROM outbox o WHERE o.tenant_id = current_tenant_id()
        AND o.id = m.in_reply_to),
    'intent', m.intent, 'outcome', m.outcome, 'opted_out', m.opted_out, 'answer', m.answer,
    'handled', m.handled_at IS NOT NULL, 'handled_at', m.handled_at, 'handled_by', m.handled_by,
    'version', m.version)

-- fragment: inbox_key
-- The inbox's sort key of reply m as text: 0 before the unhandled ones, 1 before the handled
-- ones, then the time received (UTC, microseconds); newest first within each.
(CASE WHEN m.handled_at IS NULL THEN '0' ELSE '1' END
    || to_char(m.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))

-- fragment: inbox_page
-- A page of the inbox, unhandled first, newest first within each: only handled or unhandled
-- ones with $1, after the cursor's key and id ($2, $3), $4 rows: item, sort key, id and the
-- contact when of a sensitive type (a subject, for the audit log).
SELECT :inbox_json, :inbox_key, m.id,
    (SELECT c.id FROM contacts c WHERE c.tenant_id = current_tenant_id() AND c.id = m.contact_id
        AND c.type = ANY (:sensitive_types))
FROM inbound_messages m
WHERE m.tenant_id = current_tenant_id()
    AND ($1::boolean IS NULL OR (m.handled_at IS NOT NULL) = $1::boolean)
    AND ($2::text IS NULL
        OR (m.handled_at IS NOT NULL)::int > left($2, 1)::int
        OR ((m.handled_at IS NOT NULL)::int = left($2, 1)::int
            AND (m.received_at, m.id) < (substr($2, 2)::timestamptz, $3::uuid)))
ORDER BY (m.handled_at IS NOT NULL), m.received_at DESC, m.id DESC
LIMIT $4::int

-- name: inbox_list
-- The page, written to the audit log when it shows subjects ($5: the request's filters).
-- returns: j, k, id
:audited_page('inbound_messages', $5, $4, :inbox_page);

-- name: inbox_update
-- Reply $1 handled ($2 true: when and by whom, kept from the first time) or not ($2 false),
-- when the If-Match version $3 (NULL: any) holds; current_version is the reply's version
-- before (NULL when there is none).
-- returns: j, version, current_version
WITH cur AS (
    SELECT version
    FROM inbound_messages
    WHERE tenant_id = current_tenant_id() AND id = $1::uuid
),
u_row AS (
    UPDATE inbound_messages m
    SET handled_at = choose($2::boolean AND m.handled_at IS NULL, now(),
            choose($2::boolean, m.handled_at, NULL)),
        handled_by = choose($2::boolean AND m.handled_at IS NULL,
            nullif(current_setting('app.user_id', true), '')::uuid,
            choose($2::boolean, m.handled_by, NULL)),
        version = m.version + 1,
        updated_at = now()
    WHERE m.tenant_id = current_tenant_id()
        AND m.id = $1::uuid
        AND ($3::int IS NULL OR m.version = $3::int)
    RETURNING m.*
),
u AS (
    SELECT :inbox_json AS j, m.version
    FROM u_row m
)
SELECT (SELECT j FROM u), (SELECT version FROM u), cur.version AS current_version
FROM (SELECT) one
LEFT JOIN cur ON true;

-- name: inbox_timeline
-- The replies contact $1 sent, as the timeline's rows (module.h's timeline hooks give the
-- same): newest first after the cursor ($2, $3), at most $4; their text only with $5 (roles
-- that may read the inbox).
-- returns: at, id, kind, summary
SELECT to_char(m.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
    m.id,
    'inbound_message' AS kind,
    (jsonb_build_object('channel', m.channel, 'intent', m.intent, 'outcome', m.outcome,
        'opted_out', m.opted_out, 'handled', m.handled_at IS NOT NULL)
        || CASE WHEN $5::boolean THEN jsonb_build_object('body', m.body, 'answer', m.answer)
            ELSE '{}' END) AS summary
FROM inbound_messages m
WHERE m.tenant_id = current_tenant_id()
    AND m.contact_id = $1::uuid
    :timeline_after(m.received_at, m.id);

-- name: inbox_export
-- The replies contact $1 sent, for its GDPR export (oldest first).
-- returns: replies
SELECT coalesce(json_agg(to_json(m) ORDER BY m.received_at, m.id), '[]') AS replies
FROM inbound_messages m
WHERE m.tenant_id = current_tenant_id() AND m.contact_id = $1::uuid;

-- name: inbox_merge
-- The replies of source $2 go to survivor $1, when this transaction merged them.
UPDATE inbound_messages m
SET contact_id = $1::uuid, version = m.version + 1, updated_at = now()
WHERE m.tenant_id = current_tenant_id()
    AND m.contact_id = $2::uuid
    AND EXISTS (
        SELECT 1
        FROM contacts c
        WHERE c.tenant_id = current_tenant_id() AND c.id = $2::uuid AND c.merged_into = $1::uuid
    );

-- name: inbox_erase
-- The replies of contact $1 lose their text, sender and answer when this transaction erased it
-- (erased_at is its start time); what was done with them stays. Setting erased_at makes the
-- audit log record an erase, naming the fields cleared, never their values.
UPDATE inbound_messages m
SET body = '[erased]', sender = '[erased]', answer = NULL, erased_at = now(),
    version = m.version + 1, updated_at = now()
WHERE m.tenant_id = current_tenant_id()
    AND m.contact_id = $1::uuid
    AND EXISTS (
        SELECT 1
        FROM contacts c
        WHERE c.tenant_id = current_tenant_id() AND c.id = $1::uuid AND c.erased_at = now()
    );
