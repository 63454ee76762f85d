-- core 0011: lists and searches that show patients are logged as one 'search' row per page
-- in the page's own statement (CRM_AUDITED_PAGE in src/core/listing.h): the request's filters,
-- how many records were shown and which patients were among them. patient_id holds the
-- patient when the page showed exactly one; the API's patient filter also looks in
-- changes.patients. Pages without patients are logged only with settings.audit_all_reads.
CREATE FUNCTION audit_page(p_entity_type text, p_query jsonb, p_patients uuid[], p_shown int)
    RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    shown uuid[] := coalesce(p_patients[1:p_shown], '{}');
    pats uuid[] := ARRAY(SELECT DISTINCT x FROM unnest(shown) x WHERE x IS NOT NULL ORDER BY 1);
BEGIN
    IF cardinality(pats) = 0 AND NOT (cardinality(shown) > 0 AND coalesce(
            (SELECT (t.settings ->> 'audit_all_reads')::boolean FROM tenants t
              WHERE t.id = current_tenant_id()), false)) THEN
        RETURN true;
    END IF;
    PERFORM audit_write(current_tenant_id(), 'search', p_entity_type, NULL,
                        CASE WHEN cardinality(pats) = 1 THEN pats[1] END,
                        jsonb_build_object('query', p_query, 'records', cardinality(shown),
                                           'patients', to_jsonb(pats)));
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION audit_page(text, jsonb, uuid[], int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_page(text, jsonb, uuid[], int) TO crm_app;
