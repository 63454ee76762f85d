-- testkit.sql - statements of testkit.c: the test build's probes of the database layer

-- name: sleep
-- Holds the transaction for $1 milliseconds.
SELECT pg_sleep($1::int / 1000.0);

-- name: identity
-- Who the transaction runs as, and what the prelude set.
-- returns: current_user, tenant_id, user_id, request_id, statement_timeout
-- returns: idle_in_transaction_session_timeout
SELECT current_user,
    current_setting('app.tenant_id', true) AS tenant_id,
    current_setting('app.user_id', true) AS user_id,
    current_setting('app.request_id', true) AS request_id,
    current_setting('statement_timeout') AS statement_timeout,
    current_setting('idle_in_transaction_session_timeout')
        AS idle_in_transaction_session_timeout;

-- name: insert
-- returns: id
INSERT INTO testkit_notes (body, request_id)
VALUES ($1, current_setting('app.request_id'))
RETURNING id;

-- name: divide
-- Fails the transaction with division_by_zero when $1 is 0.
SELECT 1 / $1::int;

-- name: conflict_prepare
SELECT testkit_conflict_prepare($1);

-- name: conflict
-- A transaction the database aborts as a deadlock victim $2 times for request $1.
-- returns: attempt
SELECT testkit_conflict($1, $2::int) AS attempt;

-- name: timeline
-- Contact hook: one timeline entry for a contact tagged testkit-timeline.
-- returns: at, id, kind, summary
SELECT to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
    c.id,
    'testkit' AS kind,
    json_build_object('note', 'from the testkit module') AS summary
FROM contacts c
WHERE c.tenant_id = current_tenant_id()
    AND c.id = $1
    AND 'testkit-timeline' = ANY (c.tags)
    AND ($2::timestamptz IS NULL OR (c.created_at, c.id) < ($2::timestamptz, $3::uuid))
LIMIT $4::int;

-- name: export
-- Contact hook: the module's part of a contact's GDPR export.
SELECT json_build_object('contact', $1::uuid, 'notes', 0);

-- name: erase
-- Contact hook: refuses the erasure of a contact on legal hold (testkit migration 0002).
SELECT testkit_erase_guard($1::uuid);
