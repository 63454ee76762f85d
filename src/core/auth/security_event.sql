-- security_event.sql - statements of security_event.c

-- name: security_event
-- A security event ($1) with its detail ($2) in the audit log of the transaction's tenant.
SELECT audit_security(current_tenant_id(), $1, $2::jsonb);
