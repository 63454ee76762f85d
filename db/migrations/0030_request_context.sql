-- 0030: a request's identity is set by SET LOCAL from one function, in the same one round trip
-- as before. Citus sends SET LOCAL (with citus.propagate_set_commands = 'local') to every worker
-- the transaction reaches, where row-level security and the audit triggers read it; a
-- set_config() is not sent, and the tenant would then see none of its own rows there. The
-- prelude (src/core/db/db.sql, tx_prelude) calls it only where Citus is loaded; elsewhere its
-- set_config() calls do the same for less. Parameters in crm_db_prelude's order (db.c).
CREATE FUNCTION request_context(p_role text, p_tenant text, p_user text, p_request text,
                                p_timeout text, p_app_role text, p_client_ip text,
                                p_user_agent text, p_actor text) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL citus.propagate_set_commands = local; SET LOCAL ROLE %I; '
                   'SET LOCAL app.tenant_id = %L; SET LOCAL app.user_id = %L; '
                   'SET LOCAL app.request_id = %L; SET LOCAL statement_timeout = %L; '
                   'SET LOCAL app.role = %L; SET LOCAL app.client_ip = %L; '
                   'SET LOCAL app.user_agent = %L; SET LOCAL app.actor = %L',
                   p_role, coalesce(p_tenant, ''), coalesce(p_user, ''),
                   coalesce(p_request, ''), p_timeout, coalesce(p_app_role, ''),
                   coalesce(p_client_ip, ''), coalesce(p_user_agent, ''),
                   coalesce(p_actor, ''));
END
$$;
GRANT EXECUTE ON FUNCTION request_context(text, text, text, text, text, text, text, text, text)
    TO PUBLIC;
