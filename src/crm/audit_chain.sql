-- audit_chain.sql - statements of audit_chain.c: the audit log's hash chain checked, and its
-- head for a signed checkpoint

-- name: audit_verify
-- The tenant's chain walked (audit_verify()): whether it holds, and its first broken row.
-- returns: ok, rows_checked, broken_id, broken_at, reason
SELECT v.ok,
    v.rows_checked,
    v.broken_id::text AS broken_id,
    to_jsonb(v.broken_at) #>> '{}' AS broken_at,
    v.reason
FROM audit_verify() v;

-- name: audit_check_checkpoints
-- The chain against the heads of a checkpoint ($1, a JSON array of lanes' heads).
-- returns: ok, reason, last_id, last_at
SELECT c.ok, c.reason, c.last_id, c.last_at
FROM audit_check_checkpoints($1::jsonb) c;

-- name: audit_head
-- The chain's head, per lane and in all, for a checkpoint.
-- returns: last_id, last_at, head, rows_total, lanes
SELECT h.last_id::text AS last_id,
    to_jsonb(h.last_at) #>> '{}' AS last_at,
    h.head,
    h.rows_total::text AS rows_total,
    h.lanes::text AS lanes
FROM audit_head() h;
