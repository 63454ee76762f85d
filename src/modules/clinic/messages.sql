-- messages.sql - statements of messages.c: what the delivery worker needs to word a clinic
-- message, and whether it still applies

-- name: message_context
-- The context of the tenant's outbox rows $1 (uuid[]) for their templates, and the reason when
-- one no longer applies (none does once the tenant switched the module off). The recipient
-- ("to") is the address now, not when the row was queued: the patient's on the row's channel,
-- or for practitioner.booking_notice the practitioner's user's email (staff: no patient consent
-- applies, and the patient is named as the practitioner's calendar feed names them, by initials
-- unless settings.calendar_full_names). A reminder, booking or move notice no longer applies
-- once its appointment is no longer booked, or moved (time or practitioner) since it was
-- queued; a cancellation notice once its appointment is no longer cancelled (and by SMS when
-- the patient cancelled by SMS reply: the reply's answer said so); a patient's
-- message once the patient withdrew consent to that channel or has no address on it; a
-- practitioner's notice once the tenant switched it off or the practitioner's account is
-- disabled. An email notice of a booking, move or cancellation carries "invitation": what its
-- iCalendar attachment says, with the UID and SEQUENCE of the practitioner's feed
-- (calendar.sql). No clinical field (reason, notes, the free-text cancellation reason) is ever
-- part of a context.
-- returns: id, context, reason
SELECT o.id,
    :clinic_message_context AS context,
    CASE
        WHEN NOT :clinic_enabled THEN 'the tenant switched the clinic module off'
        WHEN a.id IS NULL OR c.id IS NULL THEN 'the appointment is gone'
        WHEN c.deleted_at IS NOT NULL OR c.erased_at IS NOT NULL
            THEN 'the patient''s record was removed'
        WHEN o.topic = 'appointment.cancelled' AND a.status <> 'cancelled'
            THEN 'the appointment is ' || a.status
        WHEN o.topic = 'appointment.cancelled' AND o.channel = 'sms'
             AND a.cancel_reason = 'cancelled by SMS reply'
            THEN 'the patient cancelled by SMS reply and was answered there'
        WHEN o.topic <> 'appointment.cancelled' AND a.status <> 'booked'
            THEN 'the appointment is ' || a.status
        WHEN o.topic <> 'appointment.cancelled'
             AND a.starts_at IS DISTINCT FROM (o.payload ->> 'appointment_time')::timestamptz
            THEN 'the appointment moved'
        WHEN o.topic IN ('appointment.booked', 'appointment.rescheduled',
                         'practitioner.booking_notice')
             AND a.practitioner_id IS DISTINCT FROM (o.payload ->> 'practitioner_id')::uuid
            THEN 'the appointment is now with another practitioner'
        WHEN o.topic = 'practitioner.booking_notice'
             AND t.settings -> 'messages_enabled' -> 'practitioner.booking_notice'
                 IS DISTINCT FROM 'true'::jsonb
            THEN 'the tenant does not send practitioner.booking_notice'
        WHEN o.topic = 'practitioner.booking_notice' AND (u.id IS NULL OR NOT u.active)
            THEN 'the practitioner''s account is disabled'
        WHEN o.topic = 'practitioner.booking_notice' THEN NULL
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
    LEFT JOIN contacts c ON c.tenant_id = o.tenant_id
        AND c.id = coalesce(o.contact_id, a.patient_id)
    LEFT JOIN users u ON o.topic = 'practitioner.booking_notice' AND u.tenant_id = o.tenant_id
        AND u.id = (o.payload ->> 'practitioner_id')::uuid
WHERE o.tenant_id = current_tenant_id() AND o.id = ANY ($1::uuid[]);

-- fragment: clinic_message_context
-- The template context of a message (o: its topic, channel and payload) about appointment a of
-- patient c at tenant t, the practitioner's user u for practitioner.booking_notice: what
-- message_context gives the worker and message_preview_context a preview (topic 'preview':
-- the patient by name and by the practitioner notice's initials, no recipient).
jsonb_build_object(
    'to', CASE WHEN o.topic = 'preview' THEN NULL
               WHEN o.topic = 'practitioner.booking_notice' THEN u.email::text
               WHEN o.channel = 'sms' THEN c.phone ELSE c.email::text END,
    'patient', CASE WHEN o.topic IN ('practitioner.booking_notice', 'preview')
        THEN jsonb_build_object('name', CASE
            WHEN coalesce((t.settings ->> 'calendar_full_names')::boolean, false)
                THEN btrim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, ''))
            ELSE concat_ws('.', left(c.first_name, 1), left(c.last_name, 1))
                || CASE WHEN c.first_name IS NULL AND c.last_name IS NULL THEN '' ELSE '.' END
            END)
        ELSE '{}' END
        || CASE WHEN o.topic <> 'practitioner.booking_notice'
            THEN jsonb_build_object('first_name', c.first_name, 'last_name', c.last_name)
            ELSE '{}' END,
    'appointment', jsonb_build_object(
        'id', a.id,
        'start_local', to_char(a.starts_at AT TIME ZONE t.time_zone,
            'FMDay FMDD FMMonth "at" HH24:MI'),
        'date_local', to_char(a.starts_at AT TIME ZONE t.time_zone, 'FMDay FMDD FMMonth YYYY'),
        'time_local', to_char(a.starts_at AT TIME ZONE t.time_zone, 'HH24:MI'),
        'duration_minutes', a.duration_minutes,
        'location', a.location,
        'previous_start_local', to_char((o.payload ->> 'previous_starts_at')::timestamptz
            AT TIME ZONE t.time_zone, 'FMDay FMDD FMMonth "at" HH24:MI')),
    'practitioner', jsonb_build_object('name', a.practitioner_name,
        'previous_name', o.payload ->> 'previous_practitioner_name'),
    'clinic', jsonb_build_object('name', t.name, 'phone', t.settings ->> 'phone'))
|| CASE WHEN o.channel = 'email' AND a.id IS NOT NULL AND o.topic IN ('appointment.booked',
        'appointment.rescheduled', 'appointment.cancelled')
    THEN jsonb_build_object('invitation', jsonb_build_object(
        'uid', a.id || '@crm',
        'sequence', a.version - 1,
        'stamp', to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"'),
        'start', to_char(a.starts_at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"'),
        'end', to_char(a.ends_at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"'),
        'summary', 'Appointment with ' || a.practitioner_name || ', ' || t.name,
        'location', nullif(concat_ws(', ', a.room, a.location), ''),
        'organizer', t.settings ->> 'email_reply_to',
        'organizer_name', coalesce(t.settings ->> 'email_from_name', t.name),
        'attendee', c.email::text,
        'attendee_name', nullif(btrim(coalesce(c.first_name, '') || ' '
            || coalesce(c.last_name, '')), '')))
    ELSE '{}' END

-- name: message_preview_context
-- The context of a message about the tenant's appointment $1, to preview a template with: one
-- row, none when there is no such appointment or the caller's role does not see patients
-- (clinic.patients.read). It shows the patient's name, so it is audited as a read of the
-- appointment (appointments.sql's audit_read), saying why. A preview has no practitioner to
-- write to: users joins no row (u.id is never NULL; a constant false, Citus does not plan in
-- an outer join).
-- returns: context, audited
SELECT :clinic_message_context AS context,
    audit_read(current_tenant_id(), 'read', 'clinic_appointments', a.id::text, a.patient_id,
        '{"purpose": "message preview"}'::jsonb) AS audited
FROM clinic_appointments a
    JOIN tenants t ON t.id = a.tenant_id
    JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.patient_id
    CROSS JOIN LATERAL (SELECT 'preview'::text AS topic, NULL::text AS channel,
        jsonb_build_object('previous_starts_at', a.starts_at,
            'previous_practitioner_name', a.practitioner_name) AS payload) o
    LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.id IS NULL
WHERE a.tenant_id = current_tenant_id() AND a.id = $1::uuid AND clinic_sees_patients();
