-- clinic 0006: FHIR search's date parameter. A date (YYYY-MM-DD) is the whole day in the
-- tenant's time zone; a dateTime is an instant. Prefixes: eq (default), ge, gt, le, lt.
CREATE FUNCTION clinic_fhir_date_match(t timestamptz, op text, v text) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN v ~ '^\d{4}-\d{2}-\d{2}$' THEN
               (SELECT CASE op WHEN 'ge' THEN t >= lo WHEN 'gt' THEN t >= hi
                               WHEN 'le' THEN t < hi WHEN 'lt' THEN t < lo
                               ELSE t >= lo AND t < hi END
                  FROM (SELECT v::date::timestamp AT TIME ZONE z AS lo,
                               (v::date + 1)::timestamp AT TIME ZONE z AS hi
                          FROM (SELECT time_zone AS z FROM public.tenants
                                 WHERE id = public.current_tenant_id()) tz) d)
           ELSE CASE op WHEN 'ge' THEN t >= v::timestamptz WHEN 'gt' THEN t > v::timestamptz
                        WHEN 'le' THEN t <= v::timestamptz WHEN 'lt' THEN t < v::timestamptz
                        ELSE t = v::timestamptz END END
$$;
GRANT EXECUTE ON FUNCTION clinic_fhir_date_match(timestamptz, text, text) TO crm_app;
