-- schedules.sql - statements of schedules.c: practitioners' working hours, exceptions and the
-- free slots between them and the appointments

-- name: practitioner
-- A row when $1 is one of the tenant's practitioners.
SELECT 1
FROM clinic_practitioners
WHERE tenant_id = current_tenant_id() AND id = $1;

-- name: schedule_get
-- Practitioner $1's weekly hours as JSON (an end of 24:00 stays 24:00).
-- returns: schedule
SELECT json_build_object('practitioner_id', $1::uuid, 'weekly', coalesce(json_agg(
    json_build_object('weekday', weekday, 'start', to_char(start_time, 'HH24:MI'),
        'end', CASE WHEN end_time = '24:00' THEN '24:00' ELSE to_char(end_time, 'HH24:MI') END)
    ORDER BY weekday, start_time), '[]')) AS schedule
FROM clinic_schedules
WHERE tenant_id = current_tenant_id() AND practitioner_id = $1;

-- name: schedule_clear
DELETE FROM clinic_schedules
WHERE tenant_id = current_tenant_id() AND practitioner_id = $1;

-- name: schedule_set
-- Practitioner $1's week from $2, a JSON array of {weekday, start, end}.
INSERT INTO clinic_schedules (tenant_id, practitioner_id, weekday, start_time, end_time)
SELECT t.tenant_id, $1, (e ->> 'weekday')::int, (e ->> 'start')::time, (e ->> 'end')::time
FROM tenant_anchors t, jsonb_array_elements($2::jsonb) e
WHERE t.tenant_id = current_tenant_id();

-- fragment: clinic_exception_json
json_build_object('id', e.id, 'practitioner_id', e.practitioner_id, 'date', e.date,
    'kind', e.kind, 'start', to_char(e.start_time, 'HH24:MI'), 'end',
    to_char(e.end_time, 'HH24:MI'), 'reason', e.reason)

-- name: exception_add
-- An exception ($2 date, $3 kind, $4 to $5, $6 reason) to practitioner $1's hours; no row
-- when $1 is not a practitioner.
-- returns: j, id
WITH :new_id(fresh),
e AS (
    INSERT INTO clinic_schedule_exceptions AS e (tenant_id, id, practitioner_id, date, kind,
        start_time, end_time, reason)
    SELECT u.tenant_id, fresh.id, u.id, $2::date, $3, $4::time, $5::time, $6
    FROM users u, fresh
    WHERE u.tenant_id = current_tenant_id()
        AND u.id = $1
        AND :clinic_user_is_practitioner(u)
    RETURNING e.*
)
SELECT :clinic_exception_json AS j, e.id
FROM e;

-- name: exceptions
-- Practitioner $1's exceptions as a JSON array, by date and start.
-- returns: data
SELECT coalesce(json_agg(:clinic_exception_json ORDER BY e.date, e.start_time), '[]') AS data
FROM clinic_schedule_exceptions e
WHERE e.tenant_id = current_tenant_id() AND e.practitioner_id = $1;

-- name: exception_delete
-- returns: id
DELETE FROM clinic_schedule_exceptions
WHERE tenant_id = current_tenant_id() AND practitioner_id = $1 AND id = $2
RETURNING id;

-- name: tenant_zone
-- Times in the answer carry the offset in force on their date: the transaction's time zone
-- is the tenant's (where Citus is loaded, set by SET LOCAL too, for its workers).
SELECT set_config('TimeZone', t.time_zone, true),
    :on_citus(request_set('TimeZone', t.time_zone))
FROM tenants t
WHERE t.id = current_tenant_id();

-- name: span
-- Whether $2 is after $1, and at most 31 days later.
-- returns: after, within
SELECT $2::timestamptz > $1::timestamptz AS after,
    $2::timestamptz - $1::timestamptz <= interval '31 days' AS within;

-- name: availability
-- Practitioner $1's working time from $2 to $3 (at most 31 days) minus busy time, as slots of
-- $4 minutes; whether they have working hours at all. The working time is MATERIALIZED
-- (inlined, the function ran once per reference to it).
-- returns: has_hours, slots
WITH q AS (
    SELECT $2::timestamptz AS f,
        least(greatest($3::timestamptz, $2::timestamptz), $2::timestamptz + interval '31 days')
            AS t,
        $2::timestamptz - :clinic_max_duration AS lo
),
w AS MATERIALIZED (
    SELECT clinic_working_time($1::uuid, q.f, q.t) AS m
    FROM q
),
busy AS (
    SELECT coalesce(range_agg(tstzrange(a.starts_at, a.ends_at)), '{}'::tstzmultirange) AS m
    FROM clinic_appointments a, q
    WHERE a.tenant_id = current_tenant_id()
        AND a.practitioner_id = $1::uuid
        AND a.status IN :clinic_active
        AND a.starts_at < q.t
        AND a.ends_at > q.f
        AND a.starts_at > q.lo
),
free AS (
    SELECT unnest(w.m - busy.m) AS r
    FROM w, busy
    WHERE w.m IS NOT NULL
),
slots AS (
    SELECT s, s + make_interval(mins => $4::int) AS e
    FROM free,
        generate_series(lower(free.r), upper(free.r) - make_interval(mins => $4::int),
            make_interval(mins => $4::int)) s
)
SELECT (SELECT m IS NOT NULL FROM w) AS has_hours,
    coalesce((
        SELECT json_agg(json_build_object('start', to_char(s, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'),
            'end', to_char(e, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')) ORDER BY s)
        FROM slots
    ), '[]') AS slots;
