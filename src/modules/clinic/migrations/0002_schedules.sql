-- clinic 0002: practitioners' weekly working hours and dated exceptions, as wall-clock times
-- in the tenant's time zone.
CREATE TABLE clinic_schedules (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    practitioner_id uuid NOT NULL,
    weekday integer NOT NULL CHECK (weekday BETWEEN 1 AND 7), -- ISO: Monday = 1
    start_time time NOT NULL,
    end_time time NOT NULL CHECK (end_time > start_time),
    PRIMARY KEY (tenant_id, practitioner_id, weekday, start_time),
    FOREIGN KEY (tenant_id, practitioner_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE clinic_schedule_exceptions (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    practitioner_id uuid NOT NULL,
    date date NOT NULL,
    kind text NOT NULL CHECK (kind IN ('off', 'extra')),
    start_time time,
    end_time time,
    reason text CHECK (length(reason) <= 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, practitioner_id) REFERENCES users (tenant_id, id),
    CHECK ((start_time IS NULL) = (end_time IS NULL)),
    CHECK (end_time > start_time),
    CHECK (kind = 'off' OR start_time IS NOT NULL)
);
CREATE INDEX clinic_schedule_exceptions_day
    ON clinic_schedule_exceptions (tenant_id, practitioner_id, date);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['clinic_schedules', 'clinic_schedule_exceptions'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id())'
                       ' WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT, DELETE ON clinic_schedules, clinic_schedule_exceptions TO crm_app;

-- The practitioner's working time between two instants, as a multirange: weekly hours on each
-- local date (converted with the tenant's time zone, so DST changes are honoured), plus extra
-- exceptions, minus days or hours off. NULL when the practitioner has no weekly hours at all.
CREATE FUNCTION clinic_working_time(p_practitioner uuid, p_from timestamptz, p_to timestamptz)
    RETURNS tstzmultirange
    LANGUAGE sql STABLE SET search_path = public AS $$
    WITH tz AS (SELECT time_zone AS z FROM tenants WHERE id = current_tenant_id()),
    days AS (
        SELECT d::date AS day
          FROM tz, generate_series((p_from AT TIME ZONE tz.z)::date - 1,
                                   (p_to AT TIME ZONE tz.z)::date + 1, interval '1 day') d),
    weekly AS (
        SELECT tstzrange((days.day + s.start_time) AT TIME ZONE tz.z,
                         (days.day + s.end_time) AT TIME ZONE tz.z) AS r
          FROM tz, days JOIN clinic_schedules s
            ON s.tenant_id = current_tenant_id() AND s.practitioner_id = p_practitioner
           AND s.weekday = extract(isodow FROM days.day)),
    extra AS (
        SELECT tstzrange((e.date + e.start_time) AT TIME ZONE tz.z,
                         (e.date + e.end_time) AT TIME ZONE tz.z) AS r
          FROM tz, clinic_schedule_exceptions e
         WHERE e.tenant_id = current_tenant_id() AND e.practitioner_id = p_practitioner
           AND e.kind = 'extra' AND e.date IN (SELECT day FROM days)),
    off AS (
        SELECT CASE WHEN e.start_time IS NULL
                    THEN tstzrange(e.date::timestamp AT TIME ZONE tz.z,
                                   (e.date + 1)::timestamp AT TIME ZONE tz.z)
                    ELSE tstzrange((e.date + e.start_time) AT TIME ZONE tz.z,
                                   (e.date + e.end_time) AT TIME ZONE tz.z) END AS r
          FROM tz, clinic_schedule_exceptions e
         WHERE e.tenant_id = current_tenant_id() AND e.practitioner_id = p_practitioner
           AND e.kind = 'off' AND e.date IN (SELECT day FROM days))
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM clinic_schedules s
                                  WHERE s.tenant_id = current_tenant_id()
                                    AND s.practitioner_id = p_practitioner) THEN NULL
           ELSE (coalesce((SELECT range_agg(r) FROM (SELECT r FROM weekly UNION ALL
                                                     SELECT r FROM extra) w),
                          '{}'::tstzmultirange)
                 - coalesce((SELECT range_agg(r) FROM off), '{}'::tstzmultirange))
                * tstzmultirange(tstzrange(p_from, p_to)) END
$$;
GRANT EXECUTE ON FUNCTION clinic_working_time(uuid, timestamptz, timestamptz) TO crm_app;
