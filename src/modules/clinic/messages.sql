-- messages.sql - statements of messages.c: what the delivery worker needs to word a clinic
-- message, and whether it still applies

-- name: message_context
-- The context of the tenant's outbox rows $1 (uuid[]) for their templates, and the reason
-- when one no longer applies: its appointment is gone, no longer booked or moved since the
-- reminder was queued, or the patient withdrew consent to that channel, or has no address on
-- it any more. The recipient is the patient's address now, not when the row was queued.
-- returns: id, context, reason
SELECT o.id,
    :clinic_message_context(CASE o.channel WHEN 'sms' THEN c.phone ELSE c.email::text END)
        AS context,
    CASE
        WHEN a.id IS NULL OR c.id IS NULL THEN 'the appointment is gone'
        WHEN c.deleted_at IS NOT NULL OR c.erased_at IS NOT NULL
            THEN 'the patient''s record was removed'
        WHEN o.topic = 'appointment.reminder' AND a.status <> 'booked'
            THEN 'the appointment is ' || a.status
        WHEN o.topic = 'appointment.reminder'
             AND a.starts_at IS DISTINCT FROM (o.payload ->> 'appointment_time')::timestamptz
            THEN 'the appointment moved'
        WHEN o.channel = 'sms' AND c.phone IS NULL THEN 'the patient has no mobile number'
        WHEN o.channel = 'email' AND c.email IS NULL THEN 'the patient has no email address'
        WHEN o.channel = 'sms' AND NOT coalesce((c.consent ->> 'sms_reminders')::boolean, false)
            THEN 'the patient withdrew consent to SMS reminders'
        WHEN o.channel = 'email'
             AND NOT coalesce((c.consent ->> 'email_reminders')::boolean, false)
            THEN 'the patient withdrew consent to email reminders'
    END AS reason
FROM outbox o
    JOIN tenants t ON t.id = o.tenant_id
    LEFT JOIN clinic_appointments a ON a.tenant_id = o.tenant_id AND a.id = o.subject_id
    LEFT JOIN contacts c ON c.tenant_id = o.tenant_id AND c.id = o.contact_id
WHERE o.tenant_id = current_tenant_id() AND o.id = ANY ($1::uuid[]);

-- fragment: clinic_message_context(recipient)
-- The template context of a message about appointment a of patient c at tenant t, sent to
-- recipient: what message_context gives the worker and message_preview_context a preview.
jsonb_build_object(
    'to', :recipient,
    'patient', jsonb_build_object('first_name', c.first_name, 'last_name', c.last_name),
    'appointment', jsonb_build_object(
        'id', a.id,
        'start_local', to_char(a.starts_at AT TIME ZONE t.time_zone,
            'FMDay FMDD FMMonth "at" HH24:MI'),
        'date_local', to_char(a.starts_at AT TIME ZONE t.time_zone, 'FMDay FMDD FMMonth YYYY'),
        'time_local', to_char(a.starts_at AT TIME ZONE t.time_zone, 'HH24:MI'),
        'duration_minutes', a.duration_minutes,
        'location', a.location),
    'practitioner', jsonb_build_object('name', a.practitioner_name),
    'clinic', jsonb_build_object('name', t.name, 'phone', t.settings ->> 'phone'))

-- name: message_preview_context
-- The context of a message about the tenant's appointment $1, to preview a template with: one
-- row, none when there is no such appointment or the caller's role does not see patients
-- (clinic.patients.read). It shows the patient's name, so it is audited as a read of the
-- appointment (appointments.sql's audit_read), saying why.
-- returns: context, audited
SELECT :clinic_message_context(NULL::text) AS context,
    audit_read('read', 'clinic_appointments', a.id::text, a.patient_id,
        '{"purpose": "message preview"}'::jsonb) AS audited
FROM clinic_appointments a
    JOIN tenants t ON t.id = a.tenant_id
    JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.patient_id
WHERE a.tenant_id = current_tenant_id() AND a.id = $1::uuid AND clinic_sees_patients();
