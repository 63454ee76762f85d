-- core 0009: security events in the audit log (action 'security', entity_type 'security',
-- entity_id the event's name): sign-ins, refused tokens and permissions, platform calls.
-- audit_security() writes into the transaction's tenant only, so the app role can never put
-- an event in another tenant's log; audit_platform() is the platform role's, naming the tenant.
CREATE FUNCTION audit_security(p_event text, p_detail jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF current_tenant_id() IS NULL THEN
        RETURN;
    END IF;
    IF nullif(current_setting('app.user_id', true), '') IS NULL THEN
        PERFORM set_config('app.actor', 'anonymous', true);
    END IF;
    PERFORM audit_write(current_tenant_id(), 'security', 'security', p_event, NULL, p_detail);
END
$$;
REVOKE ALL ON FUNCTION audit_security(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_security(text, jsonb) TO crm_app;

CREATE FUNCTION audit_platform(p_tenant uuid, p_detail jsonb) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    SELECT audit_write(p_tenant, 'security', 'security', 'platform_call', NULL, p_detail)
$$;
REVOKE ALL ON FUNCTION audit_platform(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_platform(uuid, jsonb) TO crm_platform;
