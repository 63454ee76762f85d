-- testkit 0004: testkit_erase_guard names the request's tenant as a value, as clinic 0020.

CREATE OR REPLACE FUNCTION testkit_erase_guard(p_contact uuid)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'public'
AS $$
DECLARE
    tenant uuid := current_tenant_id();
BEGIN
    IF EXISTS (SELECT 1 FROM contacts WHERE tenant_id = tenant AND id = p_contact
               AND 'legal-hold' = ANY (tags)) THEN
        RAISE EXCEPTION 'testkit keeps records of contacts on legal hold';
    END IF;
END
$$;
