-- The testkit's contact hooks: a timeline entry for contacts tagged testkit-timeline, and an
-- erasure refusal for contacts tagged legal-hold (as a module keeping records by law would).
CREATE FUNCTION testkit_erase_guard(p_contact uuid) RETURNS void
    LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM contacts WHERE tenant_id = current_tenant_id() AND id = p_contact
               AND 'legal-hold' = ANY (tags)) THEN
        RAISE EXCEPTION 'testkit keeps records of contacts on legal hold';
    END IF;
END
$$;
GRANT EXECUTE ON FUNCTION testkit_erase_guard(uuid) TO crm_app;
