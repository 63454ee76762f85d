-- clinic 0020: the module's functions name the request's tenant as a value (a variable set from
-- current_tenant_id() once) in their queries: Citus sends a query filtering on a value to the
-- tenant's shard, where one filtering on the function call asks every shard, and refuses it
-- when it joins tables (docs/scaling.md). Same behaviour on plain PostgreSQL.

CREATE OR REPLACE FUNCTION clinic_within_hours(p_practitioner uuid, p_from timestamptz,
                                               p_to timestamptz)
 RETURNS boolean
 LANGUAGE plpgsql
 STABLE
AS $$
DECLARE
    tenant uuid := current_tenant_id();
    m tstzmultirange;
BEGIN
    IF EXISTS (
        SELECT 1
          FROM public.tenants t,
               LATERAL (SELECT (p_from AT TIME ZONE t.time_zone)::date AS d) l,
               public.clinic_schedules s
         WHERE t.id = tenant
           AND s.tenant_id = tenant AND s.practitioner_id = p_practitioner
           AND s.weekday = extract(isodow FROM l.d)::int
           AND tstzrange((l.d + s.start_time) AT TIME ZONE t.time_zone,
                         (l.d + s.end_time) AT TIME ZONE t.time_zone) @> tstzrange(p_from, p_to)
           AND NOT EXISTS (
               SELECT 1 FROM public.clinic_schedule_exceptions e
                WHERE e.tenant_id = tenant AND e.practitioner_id = p_practitioner
                  AND e.kind = 'off'
                  AND e.date BETWEEN l.d - 1 AND (p_to AT TIME ZONE t.time_zone)::date + 1)) THEN
        RETURN true;
    END IF;
    m := public.clinic_working_time(p_practitioner, p_from, p_to);
    RETURN m IS NULL OR m @> tstzrange(p_from, p_to);
END
$$;

CREATE OR REPLACE FUNCTION clinic_working_time(p_practitioner uuid, p_from timestamptz,
                                               p_to timestamptz)
 RETURNS tstzmultirange
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'public'
AS $$
DECLARE
    tenant uuid := current_tenant_id();
BEGIN
    RETURN (WITH tz AS (SELECT time_zone AS z FROM tenants WHERE id = tenant),
    days AS (
        SELECT d::date AS day, extract(isodow FROM d)::int AS dow
          FROM tz, generate_series((p_from AT TIME ZONE tz.z)::date - 1,
                                   (p_to AT TIME ZONE tz.z)::date + 1, interval '1 day') d),
    weekly AS (
        SELECT tstzrange((days.day + s.start_time) AT TIME ZONE tz.z,
                         (days.day + s.end_time) AT TIME ZONE tz.z) AS r
          FROM tz, days JOIN clinic_schedules s
            ON s.tenant_id = tenant AND s.practitioner_id = p_practitioner
           AND s.weekday = days.dow),
    extra AS (
        SELECT tstzrange((e.date + e.start_time) AT TIME ZONE tz.z,
                         (e.date + e.end_time) AT TIME ZONE tz.z) AS r
          FROM tz, clinic_schedule_exceptions e
         WHERE e.tenant_id = tenant AND e.practitioner_id = p_practitioner
           AND e.kind = 'extra' AND e.date IN (SELECT day FROM days)),
    off AS (
        SELECT CASE WHEN e.start_time IS NULL
                    THEN tstzrange(e.date::timestamp AT TIME ZONE tz.z,
                                   (e.date + 1)::timestamp AT TIME ZONE tz.z)
                    ELSE tstzrange((e.date + e.start_time) AT TIME ZONE tz.z,
                                   (e.date + e.end_time) AT TIME ZONE tz.z) END AS r
          FROM tz, clinic_schedule_exceptions e
         WHERE e.tenant_id = tenant AND e.practitioner_id = p_practitioner
           AND e.kind = 'off' AND e.date IN (SELECT day FROM days))
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM clinic_schedules s
                                  WHERE s.tenant_id = tenant
                                    AND s.practitioner_id = p_practitioner) THEN NULL
           ELSE (coalesce((SELECT range_agg(r) FROM (SELECT r FROM weekly UNION ALL
                                                     SELECT r FROM extra) w),
                          '{}'::tstzmultirange)
                 - coalesce((SELECT range_agg(r) FROM off), '{}'::tstzmultirange))
                * tstzmultirange(tstzrange(p_from, p_to)) END);
END
$$;

CREATE OR REPLACE FUNCTION clinic_fhir_date_bounds(op text, v text, OUT lo timestamptz,
                                                   OUT hi timestamptz)
 RETURNS record
 LANGUAGE plpgsql
 STABLE
AS $$
DECLARE
    tenant uuid := current_tenant_id();
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
          FROM public.tenants t WHERE t.id = tenant;
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

CREATE OR REPLACE FUNCTION clinic_erase_guard(p_contact uuid)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'public'
AS $$
DECLARE
    tenant uuid := current_tenant_id();
BEGIN
    IF EXISTS (SELECT 1 FROM clinic_appointments WHERE tenant_id = tenant
               AND patient_id = p_contact) THEN
        RAISE EXCEPTION 'clinical records (appointments) must be kept as medical records law '
                        'requires; they are not erased';
    END IF;
END
$$;

-- Statements call these on the tenant's shard, and they read the catalogues (tenants,
-- role_permissions): local reads there, which Citus then allows (core 0031).
SELECT citus_local_reads_add('clinic_sees_patients()');
SELECT citus_local_reads_add('clinic_fhir_date_bounds(text, text)');
SELECT citus_local_reads_add('clinic_within_hours(uuid, timestamptz, timestamptz)');
SELECT citus_local_reads_add('clinic_working_time(uuid, timestamptz, timestamptz)');
