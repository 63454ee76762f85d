-- appointments.sql - statements of appointments.c: book, read, list and change appointments

-- fragment: clinic_appointment_json
-- Appointment a as jsonb. Notes appear when the transaction's app.notes is 'all', or 'own' and
-- the appointment is the caller's (notes_scope sets it); patient_id and the patient's name (as
-- the diary shows it) only for roles with clinic.patients.read. The patient is looked up in
-- the request's tenant, a value: after a write, a is the write's result, which Citus holds on
-- the coordinator, and it runs no subquery correlated to it on a shard.
(jsonb_build_object('id', a.id, 'tenant_id', a.tenant_id, 'practitioner_id', a.practitioner_id,
    'practitioner_name', a.practitioner_name, 'appointment_time', a.starts_at,
    'duration_minutes', a.duration_minutes, 'end_time', a.ends_at, 'status', a.status,
    'appointment_type', a.appointment_type, 'reason', a.reason, 'location', a.location,
    'room', a.room, 'cancel_reason', a.cancel_reason, 'source', a.source,
    'overbooked', a.overbooked, 'created_at', a.created_at, 'updated_at', a.updated_at,
    'created_by', a.created_by, 'version', a.version, 'confirmed_at', a.confirmed_at,
    'confirmed_via', a.confirmed_via)
    || CASE WHEN current_setting('app.notes', true) = 'all'
        OR (current_setting('app.notes', true) = 'own'
            AND a.practitioner_id = nullif(current_setting('app.user_id', true), '')::uuid)
        THEN jsonb_build_object('notes', a.notes) ELSE '{}' END
    || CASE WHEN clinic_sees_patients() THEN jsonb_build_object('patient_id', a.patient_id,
        'patient_name', (SELECT coalesce(nullif(btrim(coalesce(c.first_name, '') || ' '
                || coalesce(c.last_name, '')), ''), c.company)
            FROM contacts c WHERE c.tenant_id = current_tenant_id() AND c.id = a.patient_id))
        ELSE '{}' END)

-- fragment: clinic_active
-- The statuses in which an appointment holds its practitioner and room.
('proposed', 'pending', 'booked', 'arrived', 'checked-in')

-- fragment: clinic_max_duration
-- The longest appointment (CLINIC_MAX_MINUTES in clinic.h; the table's CHECK says the same): a
-- bound that lets time-overlap queries use a btree range on starts_at.
interval '720 minutes'

-- name: notes_scope
-- Whose clinical notes the transaction's appointments show: all, own or none ($1); where
-- Citus is loaded, set by SET LOCAL too, for its workers (core migration 0031).
SELECT set_config('app.notes', $1, true),
    :on_citus(request_set('app.notes', $1));

-- name: clash
-- The first active appointment in the way of practitioner $1 or room $2 from $3 for $4
-- minutes, other than appointment $5.
-- returns: id, starts_at
SELECT a.id, a.starts_at
FROM clinic_appointments a
WHERE a.tenant_id = current_tenant_id()
    AND a.status IN :clinic_active
    AND NOT a.overbooked
    AND a.id IS DISTINCT FROM $5::uuid
    AND (a.practitioner_id = $1::uuid OR (a.room IS NOT NULL AND a.room = $2))
    AND a.starts_at < $3::timestamptz + make_interval(mins => $4::int)
    AND a.ends_at > $3::timestamptz
    AND a.starts_at > $3::timestamptz - :clinic_max_duration
ORDER BY a.starts_at
LIMIT 1;

-- name: create
-- Booking a lead or customer makes them a patient (the trigger clinic_make_patient, clinic
-- migration 0010); the practitioner ($2) must be an active user who is one of
-- clinic_practitioners, whose name at booking time is kept; outside the working hours only an
-- overbook ($12) books. The hours check is MATERIALIZED: inlined, the function was called once
-- per reference to its result. The insert joins the tables itself, not the CTEs prac and live
-- that the answer counts: Citus runs it on the tenant's shard only so. $14, $15:
-- Idempotency-Key and the body's hash. Beside the appointment: whether practitioner, patient
-- and hours were found good.
-- returns: j, version, id, request_hash, status, body, practitioners, patients, inside
WITH :idem_prior('appointments', $14),
prac AS (
    SELECT u.id, u.full_name
    FROM users u
    JOIN clinic_practitioners p ON p.tenant_id = u.tenant_id AND p.id = u.id
    WHERE u.tenant_id = current_tenant_id() AND u.id = $2::uuid AND u.active
),
live AS (
    SELECT id
    FROM contacts
    WHERE tenant_id = current_tenant_id() AND id = $1::uuid AND deleted_at IS NULL
),
inside AS MATERIALIZED (
    SELECT $12::boolean OR clinic_within_hours($2::uuid, $3::timestamptz,
        $3::timestamptz + make_interval(mins => $4::int)) AS ok
),
:new_id(fresh),
a_row AS (
    INSERT INTO clinic_appointments AS a (tenant_id, id, patient_id, practitioner_id,
        practitioner_name, starts_at, duration_minutes, ends_at, status, appointment_type,
        reason, location, room, notes, source, overbooked, overbook_reason, created_by)
    SELECT t.tenant_id, fresh.id, c.id, u.id, u.full_name, $3::timestamptz, $4::int,
        $3::timestamptz + make_interval(mins => $4::int), coalesce($5, 'booked'), $6, $7, $8,
        $9, $10, coalesce($11, 'staff'), $12::boolean, $13,
        nullif(current_setting('app.user_id', true), '')::uuid
    FROM tenant_anchors t
    CROSS JOIN fresh
    JOIN users u ON u.tenant_id = t.tenant_id AND u.id = $2::uuid AND u.active
    JOIN clinic_practitioners p ON p.tenant_id = t.tenant_id AND p.id = u.id
    JOIN contacts c ON c.tenant_id = t.tenant_id AND c.id = $1::uuid AND c.deleted_at IS NULL
    WHERE t.tenant_id = current_tenant_id()
        AND NOT EXISTS (SELECT 1 FROM prior)
        AND (SELECT ok FROM inside)
    RETURNING a.*
),
a AS (
    SELECT :clinic_appointment_json::text AS j, a.version, a.id
    FROM a_row a
),
:idem_store('appointments', $14, $15, a)
SELECT (SELECT j FROM a), (SELECT version FROM a), (SELECT id FROM a), :idem_columns,
    (SELECT count(*) FROM prac) AS practitioners,
    (SELECT count(*) FROM live) AS patients,
    (SELECT ok FROM inside) AS inside;

-- name: get
-- returns: j, version
SELECT :clinic_appointment_json AS j, a.version
FROM clinic_appointments a
WHERE a.tenant_id = current_tenant_id() AND a.id = $1;

-- name: audit_read
-- Reading appointment $1 is a read of its patient's record, for the audit log.
SELECT audit_read(current_tenant_id(), 'read', 'clinic_appointments', $1, a.patient_id,
    NULL)
FROM clinic_appointments a
WHERE a.tenant_id = current_tenant_id() AND a.id = $1::uuid;

-- fragment: clinic_appointments_match
-- The appointments a list shows, a.tenant_id first: filtered by practitioner ($1), patient
-- ($2), status ($3), time ($4 to $5) and room ($6), after the cursor's key and id ($7, $8).
a.tenant_id = current_tenant_id()
    AND ($1::uuid IS NULL OR a.practitioner_id = $1::uuid)
    AND ($2::uuid IS NULL OR a.patient_id = $2::uuid)
    AND ($3::text IS NULL OR a.status = $3)
    AND ($4::timestamptz IS NULL OR a.ends_at > $4::timestamptz)
    AND ($5::timestamptz IS NULL OR a.starts_at < $5::timestamptz)
    AND ($6::text IS NULL OR a.room = $6)
    AND ($7::text IS NULL OR (a.starts_at, a.id) > ($7::timestamptz, $8::uuid))

-- fragment: clinic_appointments_page
-- A page of appointments by start (:clinic_appointments_match), $9 rows: item, sort key, id
-- and whose appointment it is (the subject: its patient, for roles that may see it). Nothing
-- at all when list_tag found the client's copy current (app.list_unchanged): a constant
-- condition, so PostgreSQL tests it once and neither reads the rows nor builds their JSON.
SELECT :clinic_appointment_json, a.starts_at::text, a.id,
    CASE WHEN clinic_sees_patients() THEN a.patient_id END
FROM clinic_appointments a
WHERE :clinic_appointments_match
    AND current_setting('app.list_unchanged', true) IS DISTINCT FROM 'true'
ORDER BY a.starts_at, a.id
LIMIT $9::int

-- name: list_tag
-- The list's entity tag, without building its page: a hash of what decides the page's JSON
-- (each row's id, version and last change; for roles that see patients, the patient and the
-- version of its contact, whose name the page shows), of the request (filters $10, cursor $7
-- and $8, fetch $9) and of who asks (tenant, user, role, notes scope), so that two callers
-- whose pages could differ never share a tag. Whether the client's If-None-Match names it
-- ($11: its tags' opaque parts, $12: "*") is kept in app.list_unchanged, which gates the page
-- of list, sent next in the same transaction.
-- returns: etag, unchanged
WITH page AS (
    SELECT a.id, a.starts_at, a.version, a.updated_at,
        CASE WHEN clinic_sees_patients() THEN a.patient_id END AS patient_id
    FROM clinic_appointments a
    WHERE :clinic_appointments_match
    ORDER BY a.starts_at, a.id
    LIMIT $9::int
),
tag AS (
    SELECT left(encode(sha256(convert_to(concat_ws('|', 'appointments/1', current_tenant_id(),
        current_setting('app.user_id', true), current_setting('app.role', true),
        current_setting('app.notes', true), $10::text, $7::text, $8::text, $9::text,
        (SELECT string_agg(concat_ws(':', p.id, p.version, extract(epoch FROM p.updated_at),
                p.patient_id, c.version), ',' ORDER BY p.starts_at, p.id)
            FROM page p
            LEFT JOIN contacts c ON c.tenant_id = current_tenant_id() AND c.id = p.patient_id)),
        'UTF8')), 'hex'), 32) AS opaque
)
SELECT 'W/"' || t.opaque || '"' AS etag,
    set_config('app.list_unchanged',
        (coalesce($12::boolean, false) OR coalesce(t.opaque = ANY ($11::text[]), false))::text,
        true) AS unchanged
FROM tag t;

-- name: list
-- The page, showing whose appointments these are, written to the audit log by the same
-- statement: $10 the request's filters, $9 the page's fetch. After list_tag: empty (and so
-- unaudited) when the client's copy is current.
-- returns: j, k, id
:audited_page('clinic_appointments', $10, $9, :clinic_appointments_page);

-- name: current
-- The appointment as it is (for the 409 of a clash).
-- returns: practitioner_id, room, starts_at, duration_minutes
SELECT practitioner_id, room, starts_at, duration_minutes
FROM clinic_appointments
WHERE tenant_id = current_tenant_id() AND id = $1;

-- name: update
-- A change in one statement: given fields are set (null clears the optional ones; a new time
-- or duration moves the appointment, the history keeps the old one) only when the If-Match
-- version ($14) holds, a practitioner ($15) changes their own, the status may move from the
-- current one ($16: the statuses that may move to $4), a new practitioner ($17) is an active
-- one (whose name is then kept, as at booking) and, unless overbooked ($11), a new time,
-- duration or practitioner stays inside the (new) practitioner's working hours, checked in the
-- same snapshot. The row as it was comes back beside the change (its version, status,
-- practitioner, whether the new practitioner was found and whether the new time is inside the
-- hours), so that a refusal is explained without another round trip.
-- returns: j, version, current_version, status, practitioner_id, practitioner_found, inside
WITH prac AS (
    SELECT u.id, u.full_name
    FROM users u
    JOIN clinic_practitioners p ON p.tenant_id = u.tenant_id AND p.id = u.id
    WHERE u.tenant_id = current_tenant_id() AND u.id = $17::uuid AND u.active
),
cur AS (
    SELECT a.version, a.status, a.practitioner_id,
        $17::uuid IS NULL OR EXISTS (SELECT 1 FROM prac) AS practitioner_found,
        ($2::timestamptz IS NULL AND $3::int IS NULL
            AND ($17::uuid IS NULL OR $17::uuid = a.practitioner_id))
            OR clinic_within_hours(coalesce($17::uuid, a.practitioner_id), s.t, s.t + s.d)
            AS inside
    FROM clinic_appointments a,
        LATERAL (
            SELECT coalesce($2::timestamptz, a.starts_at) AS t,
                make_interval(mins => coalesce($3::int, a.duration_minutes)) AS d
        ) s
    WHERE a.tenant_id = current_tenant_id() AND a.id = $1
),
up_row AS (
    UPDATE clinic_appointments a
    SET practitioner_id = coalesce((SELECT id FROM prac), a.practitioner_id),
        practitioner_name = coalesce((SELECT full_name FROM prac), a.practitioner_name),
        starts_at = coalesce($2::timestamptz, a.starts_at),
        duration_minutes = coalesce($3::int, a.duration_minutes),
        ends_at = coalesce($2::timestamptz, a.starts_at)
            + make_interval(mins => coalesce($3::int, a.duration_minutes)),
        status = coalesce($4, a.status),
        appointment_type = CASE WHEN 'appointment_type' = ANY ($13::text[]) THEN $5
            ELSE a.appointment_type END,
        reason = CASE WHEN 'reason' = ANY ($13::text[]) THEN $6 ELSE a.reason END,
        location = CASE WHEN 'location' = ANY ($13::text[]) THEN $7 ELSE a.location END,
        room = CASE WHEN 'room' = ANY ($13::text[]) THEN $8 ELSE a.room END,
        notes = CASE WHEN 'notes' = ANY ($13::text[]) THEN $9 ELSE a.notes END,
        cancel_reason = CASE WHEN 'cancel_reason' = ANY ($13::text[]) THEN $10
            ELSE a.cancel_reason END,
        overbooked = CASE WHEN $11::boolean THEN true ELSE a.overbooked END,
        overbook_reason = CASE WHEN $11::boolean THEN $12 ELSE a.overbook_reason END,
        version = a.version + 1,
        updated_at = now()
    FROM cur
    WHERE a.tenant_id = current_tenant_id()
        AND a.id = $1
        AND a.version = $14::int
        AND ($15::uuid IS NULL OR a.practitioner_id = $15::uuid)
        AND ($4::text IS NULL OR a.status = $4 OR a.status = ANY ($16::text[]))
        AND cur.practitioner_found
        AND ($11::boolean OR cur.inside)
    RETURNING a.*
),
up AS (
    SELECT :clinic_appointment_json::text AS j, a.version
    FROM up_row a
)
SELECT (SELECT j FROM up), (SELECT version FROM up), cur.version AS current_version,
    cur.status, cur.practitioner_id, cur.practitioner_found, cur.inside
FROM (SELECT) one
LEFT JOIN cur ON true;
