-- audit.sql - statements of audit.c (`crm audit`)

-- name: audit_purge
-- Removes tenant $1's audit rows past its retention period (as crm_audit_retention). The
-- call alone in its SELECT: Citus runs such a call on the tenant's node (core migration 0031).
-- returns: purged
SELECT audit_purge($1::uuid) AS purged;
