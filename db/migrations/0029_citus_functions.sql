-- 0029: the SQL-language functions that read or write tables become PL/pgSQL, with the same
-- behaviour: Citus cannot plan an SQL function's statements with its parameters, and a
-- multi-row INSERT ... SELECT over a CTE does not route to one shard. Plain PostgreSQL runs
-- them as before (docs/scaling.md, "Citus").

CREATE OR REPLACE FUNCTION create_default_pipeline(p_tenant uuid) RETURNS uuid
    LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    pipeline uuid;
BEGIN
    INSERT INTO pipelines (tenant_id, name, is_default)
    VALUES (p_tenant, 'Sales', true)
    RETURNING id INTO pipeline;
    INSERT INTO pipeline_stages (tenant_id, pipeline_id, name, position, probability, kind)
    VALUES (p_tenant, pipeline, 'Qualification', 0, 10, 'open'),
           (p_tenant, pipeline, 'Needs analysis', 1, 25, 'open'),
           (p_tenant, pipeline, 'Proposal', 2, 50, 'open'),
           (p_tenant, pipeline, 'Negotiation', 3, 75, 'open'),
           (p_tenant, pipeline, 'Closed Won', 4, 100, 'won'),
           (p_tenant, pipeline, 'Closed Lost', 5, 0, 'lost');
    RETURN pipeline;
END
$$;

CREATE OR REPLACE FUNCTION audit_platform(p_tenant uuid, p_detail jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM audit_write(p_tenant, 'security', 'security', 'platform_call', NULL, p_detail);
END
$$;

CREATE OR REPLACE FUNCTION audit_retention_days(p_tenant uuid) RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN coalesce((SELECT (t.settings ->> 'audit_retention_days')::int
                       FROM tenants t
                      WHERE t.id = p_tenant), 2192); -- six years
END
$$;

CREATE OR REPLACE FUNCTION tenant_by_slug(p_slug text) RETURNS TABLE (id uuid, status text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY SELECT t.id, t.status FROM tenants t WHERE t.slug = p_slug;
END
$$;

-- A new tenant's modules, one row each: INSERT ... SELECT unnest(...) would not route to the
-- tenant's shard. Runs as the caller, under its row-level security.
CREATE FUNCTION tenant_modules_add(p_tenant uuid, p_modules text[]) RETURNS void
    LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    m text;
BEGIN
    FOREACH m IN ARRAY coalesce(p_modules, '{}') LOOP
        INSERT INTO tenant_modules (tenant_id, module) VALUES (p_tenant, m);
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION tenant_modules_add(uuid, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_modules_add(uuid, text[]) TO crm_platform;
