-- clinic 0011: FHIR date searches by index. Each appointment was tested against each date
-- parameter by clinic_fhir_date_match(), a function of the row, so a date search read every
-- appointment of the tenant. The parameters now become one time range, computed once:
-- [lo, hi), with exclusive lower and inclusive upper ends moved by a microsecond (the
-- resolution of timestamptz), so that the search compares starts_at with two values, which the
-- (tenant_id, starts_at, id) index serves. The meaning of each prefix is unchanged: a date is
-- the tenant's whole local day; eq/ge/gt/le/lt as in FHIR R4's search on dates.
CREATE FUNCTION clinic_fhir_date_bounds(op text, v text, OUT lo timestamptz, OUT hi timestamptz)
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    day_lo timestamptz;
    day_hi timestamptz;
    tick constant interval := interval '1 microsecond';
BEGIN
    lo := '-infinity';
    hi := 'infinity';
    IF v IS NULL THEN
        RETURN;
    END IF;
    IF v ~ '^\d{4}-\d{2}-\d{2}$' THEN
        SELECT v::date::timestamp AT TIME ZONE t.time_zone,
               (v::date + 1)::timestamp AT TIME ZONE t.time_zone
          INTO day_lo, day_hi
          FROM public.tenants t WHERE t.id = public.current_tenant_id();
        CASE op
            WHEN 'ge' THEN lo := day_lo;
            WHEN 'gt' THEN lo := day_hi;
            WHEN 'le' THEN hi := day_hi;
            WHEN 'lt' THEN hi := day_lo;
            ELSE lo := day_lo; hi := day_hi;
        END CASE;
    ELSE
        CASE op
            WHEN 'ge' THEN lo := v::timestamptz;
            WHEN 'gt' THEN lo := v::timestamptz + tick;
            WHEN 'le' THEN hi := v::timestamptz + tick;
            WHEN 'lt' THEN hi := v::timestamptz;
            ELSE lo := v::timestamptz; hi := v::timestamptz + tick;
        END CASE;
    END IF;
END
$$;
GRANT EXECUTE ON FUNCTION clinic_fhir_date_bounds(text, text) TO crm_app;

DROP FUNCTION clinic_fhir_date_match(timestamptz, text, text);
