-- db.sql - statements of db.c

-- name: tx_prelude
-- Sets the request's identity (tenant, user, role name as app.role; client IP, user agent and
-- "cli" or "platform" as app.actor for the command line and the platform API, for the audit
-- log) inside the transaction; the database role first, so that everything after it runs as
-- the non-owner app role under row-level security. Parameters in crm_db_prelude's order.
-- Where Citus is loaded, request_context (core 0030) sets the same by SET LOCAL, which Citus
-- passes on to its workers; elsewhere the test of its version setting is all it costs (a
-- PL/pgSQL call with SET LOCALs would add about 20 us of database time to every request).
SELECT set_config('role', $1, true),
    set_config('app.tenant_id', $2, true),
    set_config('app.user_id', $3, true),
    set_config('app.request_id', $4, true),
    set_config('statement_timeout', $5, true),
    set_config('app.role', $6, true),
    set_config('app.client_ip', $7, true),
    set_config('app.user_agent', $8, true),
    set_config('app.actor', $9, true),
    :on_citus(request_context($1, $2, $3, $4, $5, $6, $7, $8, $9));

-- fragment: on_citus(call)
-- call where Citus is loaded (its version setting exists), else NULL with nothing run: the
-- SET LOCAL twin of a set_config(), which Citus passes on to its workers (core 0030, 0031).
CASE WHEN current_setting('citus.version', true) IS NOT NULL THEN :call END

-- fragment: new_id(name)
-- CTE name: one new id (column id) for an INSERT ... SELECT to take, rather than the column's
-- gen_random_uuid() default: Citus runs no INSERT ... SELECT with a volatile function on the
-- tenant's shard.
:name AS MATERIALIZED (SELECT gen_random_uuid() AS id)
