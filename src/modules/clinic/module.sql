-- module.sql - statements of module.c: the clinic's part in what the core does to a contact
-- and a user (crm_contact_hooks_t, crm_user_hooks_t in core/module.h)

-- fragment: clinic_enabled
-- Whether the tenant has the clinic module enabled.
EXISTS (
    SELECT 1
    FROM tenant_modules m
    WHERE m.tenant_id = current_tenant_id() AND m.module = 'clinic'
)

-- fragment: clinic_user_is_practitioner(u)
-- Whether user row u is one of the tenant's practitioners (the user hooks write it).
EXISTS (
    SELECT 1
    FROM clinic_practitioners p
    WHERE p.tenant_id = :u.tenant_id AND p.id = :u.id
)

-- name: timeline
-- Contact hook: the contact's appointments in its timeline, newest first after the cursor
-- ($2, $3), at most $4: when booked, with status and practitioner, for roles that may see
-- whom appointments are for.
-- returns: at, id, kind, summary
SELECT to_char(a.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
    a.id,
    'appointment' AS kind,
    json_build_object('status', a.status, 'practitioner_name', a.practitioner_name,
        'appointment_type', a.appointment_type, 'end_time', a.ends_at,
        'confirmed_at', a.confirmed_at, 'confirmed_via', a.confirmed_via) AS summary
FROM clinic_appointments a
WHERE a.tenant_id = current_tenant_id()
    AND a.patient_id = $1
    AND :clinic_enabled
    AND clinic_sees_patients()
    AND ($2::timestamptz IS NULL OR (a.starts_at, a.id) < ($2::timestamptz, $3::uuid))
ORDER BY a.starts_at DESC, a.id DESC
LIMIT $4::int;

-- name: export
-- Contact hook: the contact's appointments, for its GDPR export.
SELECT coalesce(json_agg(to_json(a) ORDER BY a.starts_at), '[]')
FROM clinic_appointments a
WHERE a.tenant_id = current_tenant_id() AND a.patient_id = $1;

-- name: merge
-- Contact hook: the appointments of contact $2 go to the survivor $1.
UPDATE clinic_appointments
SET patient_id = $1, updated_at = now()
WHERE tenant_id = current_tenant_id() AND patient_id = $2;

-- name: erase
-- Contact hook: clinical records must be kept (for years, by medical record law): a patient
-- with appointments is not erased.
SELECT clinic_erase_guard($1::uuid);

-- name: user_write
-- User hook: user $1's is_practitioner ($2), a row of clinic_practitioners, written only when
-- the core's statement of the same transaction wrote the user (a failed version check
-- changes nothing): its updated_at is this transaction's now() (clinic migration 0021).
SELECT clinic_user_write(current_tenant_id(), $1::uuid, $2::boolean);

-- name: user_read
-- User hook: the is_practitioner of each of the users $1 (a uuid[]).
-- returns: id, fields
SELECT u.id, json_build_object('is_practitioner', p.id IS NOT NULL) AS fields
FROM unnest($1::uuid[]) u (id)
LEFT JOIN clinic_practitioners p ON p.tenant_id = current_tenant_id() AND p.id = u.id;
