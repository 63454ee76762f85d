-- audit.sql - statements of audit.c (`crm audit`)

-- name: audit_purge
-- Removes tenant $1's audit rows past its retention period (as crm_audit_retention).
-- returns: purged
SELECT audit_purge($1::uuid)::text AS purged;
