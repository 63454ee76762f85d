-- fhir.sql - statements of fhir.c: the FHIR R4 view of patients and appointments

-- fragment: fhir_appointment
-- The Appointment resource of row a (with its participants' status s.v,
-- :fhir_participant_status); the patient participant only for roles that may see it
-- (clinic_sees_patients).
jsonb_strip_nulls(jsonb_build_object('resourceType', 'Appointment', 'id', a.id,
    'meta', jsonb_build_object('versionId', a.version::text, 'lastUpdated', a.updated_at),
    'status', a.status, 'start', a.starts_at, 'end', a.ends_at,
    'minutesDuration', a.duration_minutes, 'created', a.created_at,
    'appointmentType', CASE WHEN a.appointment_type IS NOT NULL
        THEN jsonb_build_object('text', a.appointment_type) END,
    'cancelationReason', CASE WHEN a.cancel_reason IS NOT NULL
        THEN jsonb_build_object('text', a.cancel_reason) END,
    'participant', (
        SELECT jsonb_agg(p)
        FROM (VALUES (CASE WHEN clinic_sees_patients()
            THEN jsonb_build_object('actor', jsonb_build_object('reference',
                'Patient/' || a.patient_id), 'required', 'required', 'status', s.v) END),
            (jsonb_build_object('actor', jsonb_build_object('reference',
                'Practitioner/' || a.practitioner_id, 'display', a.practitioner_name),
                'required', 'required', 'status', s.v))) v(p)
        WHERE p IS NOT NULL
    )))

-- fragment: fhir_participant_status
-- A participant's FHIR status follows the appointment's: joined to a as s.v.
CROSS JOIN LATERAL (
    SELECT CASE a.status WHEN 'cancelled' THEN 'declined' WHEN 'proposed' THEN 'needs-action'
        WHEN 'pending' THEN 'tentative' ELSE 'accepted' END AS v
) s

-- name: fhir_patient
-- The Patient resource of contact $1, a live patient.
-- returns: resource
SELECT jsonb_strip_nulls(jsonb_build_object('resourceType', 'Patient', 'id', c.id,
    'meta', jsonb_build_object('versionId', c.version::text, 'lastUpdated', c.updated_at),
    'active', true,
    'name', jsonb_build_array(jsonb_build_object('use', 'official', 'family', c.last_name,
        'given', CASE WHEN c.first_name IS NOT NULL THEN jsonb_build_array(c.first_name) END)),
    'telecom', (
        SELECT jsonb_agg(t)
        FROM (VALUES
            (CASE WHEN c.phone IS NOT NULL
                THEN jsonb_build_object('system', 'phone', 'value', c.phone) END),
            (CASE WHEN c.email IS NOT NULL
                THEN jsonb_build_object('system', 'email', 'value', c.email) END)) v(t)
        WHERE t IS NOT NULL
    ),
    'gender', c.gender, 'birthDate', c.date_of_birth))::text AS resource
FROM contacts c
WHERE c.tenant_id = current_tenant_id()
    AND c.id = $1
    AND c.type = 'patient'
    AND c.deleted_at IS NULL
    AND c.erased_at IS NULL;

-- name: fhir_patient_audit
-- The read of patient $1, for the audit log.
SELECT audit_read(current_tenant_id(), 'read', 'contacts', $1::text, $1::text::uuid,
    '{"view": "fhir"}');

-- name: fhir_appointment
-- The Appointment resource of appointment $1.
-- returns: resource
SELECT :fhir_appointment::text AS resource
FROM clinic_appointments a
:fhir_participant_status
WHERE a.tenant_id = current_tenant_id() AND a.id = $1;

-- name: fhir_search
-- The search: $1 patient, $2 practitioner, $3 status, $4/$5 and $6/$7 date (prefix, value),
-- $8 _count, $9 the base URL, $10/$11 the start and id of the last appointment of the page
-- before (from _cursor). The dates become one time range, computed once, so that the
-- start-time index serves them (clinic migration 0011). Sorted by start; total counts every
-- match. Beside the Bundle: whether more follow, and the start and id of its last entry.
-- returns: bundle, more, last_start, last_id
WITH d AS MATERIALIZED (
    SELECT greatest(x.lo, y.lo) AS lo, least(x.hi, y.hi) AS hi
    FROM clinic_fhir_date_bounds($4, $5) x, clinic_fhir_date_bounds($6, $7) y
),
m AS (
    SELECT a.*
    FROM clinic_appointments a
    WHERE a.tenant_id = current_tenant_id()
        AND ($1::uuid IS NULL OR a.patient_id = $1::uuid)
        AND ($2::uuid IS NULL OR a.practitioner_id = $2::uuid)
        AND ($3::text IS NULL OR a.status = $3)
        AND a.starts_at >= (SELECT lo FROM d)
        AND a.starts_at < (SELECT hi FROM d)
),
ahead AS (
    SELECT *
    FROM m
    WHERE $10::timestamptz IS NULL OR (m.starts_at, m.id) > ($10::timestamptz, $11::uuid)
    ORDER BY starts_at, id
    LIMIT $8::int + 1
),
page AS (
    SELECT *
    FROM ahead
    ORDER BY starts_at, id
    LIMIT $8::int
)
SELECT jsonb_strip_nulls(jsonb_build_object('resourceType', 'Bundle', 'type', 'searchset',
    'meta', jsonb_build_object('lastUpdated', now()), 'total', (SELECT count(*) FROM m),
    'entry', (
        SELECT jsonb_agg(jsonb_build_object('fullUrl', $9 || 'Appointment/' || a.id,
            'resource', :fhir_appointment, 'search', jsonb_build_object('mode', 'match'))
            ORDER BY a.starts_at, a.id)
        FROM page a
        :fhir_participant_status
    )))::text AS bundle,
    (SELECT count(*) FROM ahead) > $8::int AS more,
    (SELECT starts_at::text FROM page ORDER BY starts_at DESC, id DESC LIMIT 1) AS last_start,
    (SELECT id FROM page ORDER BY starts_at DESC, id DESC LIMIT 1) AS last_id;

-- name: fhir_search_audit
-- Every search is audited, with its parameters ($2); $1 the patient searched for, if any.
SELECT audit_read(current_tenant_id(), 'search', 'clinic_appointments', NULL, $1::uuid,
    $2::jsonb);
