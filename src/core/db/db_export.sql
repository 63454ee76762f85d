-- db_export.sql - statements of db_export.c: the two audit rows of an export

-- name: export_started
-- The export of entity type $1 with its format and filters ($2), before the first byte.
SELECT audit_read(current_tenant_id(), 'export', $1, NULL, NULL,
    $2::jsonb || '{"stage": "started"}'::jsonb);

-- name: export_finished
-- How it ended: $3 records sent, $4 whether the client took them all.
SELECT audit_read(current_tenant_id(), 'export', $1, NULL, NULL,
    $2::jsonb || jsonb_build_object('stage',
    'finished', 'records', $3::bigint, 'complete', $4::boolean));
