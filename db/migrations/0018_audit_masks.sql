-- 0018_audit_masks.sql - the audit API hides sensitive values from roles that may not read
-- them. Modules declare their sensitive columns (crm_module_t.sensitive) with the permission
-- that reads them and the label shown instead; for a caller without the permission, the
-- server passes {"table.column": "label"} and each such value in an entry's changes reads as
-- the label (null stays null, so that "set" and "cleared" still show). The log itself keeps
-- the values.
CREATE FUNCTION audit_mask(p_entity_type text, p_changes jsonb, p_masks jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p_masks IS NULL OR jsonb_typeof(p_changes) IS DISTINCT FROM 'object' THEN p_changes
        ELSE (SELECT coalesce(jsonb_object_agg(e.key, CASE
                  WHEN NOT p_masks ? (p_entity_type || '.' || e.key) THEN e.value
                  WHEN jsonb_typeof(e.value) = 'object' AND e.value ?| ARRAY['before', 'after']
                  THEN jsonb_build_object(
                      'before', CASE WHEN e.value -> 'before' = 'null' THEN 'null'::jsonb
                                     WHEN e.value ? 'before'
                                     THEN p_masks -> (p_entity_type || '.' || e.key) END,
                      'after', CASE WHEN e.value -> 'after' = 'null' THEN 'null'::jsonb
                                    WHEN e.value ? 'after'
                                    THEN p_masks -> (p_entity_type || '.' || e.key) END)
                  WHEN e.value = 'null' THEN e.value
                  ELSE p_masks -> (p_entity_type || '.' || e.key) END), '{}'::jsonb)
              FROM jsonb_each(p_changes) e)
    END
$$;
REVOKE ALL ON FUNCTION audit_mask(text, jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_mask(text, jsonb, jsonb) TO crm_app;
