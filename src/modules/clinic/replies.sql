-- replies.sql - statements of replies.c: what a patient's reply to a reminder does to the
-- appointment it was about

-- name: reply
-- Reply to reminder $1: $2 'confirm' confirms its appointment (confirmed_at, confirmed_via
-- 'sms'; a second confirmation keeps the first) when booked; $2 'cancel' cancels it when its
-- status may become cancelled ($4: the statuses that may, transitions.c) and it starts at least
-- $3 hours from now, else it is too_late; not_applicable when there is nothing to do (the
-- appointment is gone, past, moved since the reminder, in another status, or the tenant has
-- not the clinic module). Beside the outcome, the answer to send back (none without the
-- module).
-- returns: outcome, answer
WITH a0 AS (
    SELECT a.id, a.status, a.starts_at,
        (o.payload ? 'appointment_time'
            AND a.starts_at IS DISTINCT FROM (o.payload ->> 'appointment_time')::timestamptz)
            AS moved,
        to_char(a.starts_at AT TIME ZONE t.time_zone, 'FMDay FMDD FMMonth "at" HH24:MI')
            AS start_local
    FROM outbox o
    JOIN clinic_appointments a ON a.tenant_id = o.tenant_id AND a.id = o.subject_id
    JOIN tenants t ON t.id = o.tenant_id
    WHERE o.tenant_id = current_tenant_id()
        AND o.id = $1::uuid
        AND o.topic = 'appointment.reminder'
        AND :clinic_enabled
    FOR UPDATE OF a
),
d AS (
    SELECT CASE
        WHEN a0.id IS NULL OR a0.moved OR a0.starts_at <= now() THEN 'not_applicable'
        WHEN $2 = 'confirm' AND a0.status = 'booked' THEN 'confirmed'
        WHEN $2 = 'cancel' AND a0.status = ANY ($4::text[])
            AND a0.starts_at - now() >= make_interval(hours => $3::int) THEN 'cancelled'
        WHEN $2 = 'cancel' AND a0.status = ANY ($4::text[]) THEN 'too_late'
        ELSE 'not_applicable'
    END AS outcome
    FROM (SELECT) one
    LEFT JOIN a0 ON true
),
up AS (
    UPDATE clinic_appointments a
    SET confirmed_at = choose(d.outcome = 'confirmed', now(), a.confirmed_at),
        confirmed_via = CASE WHEN d.outcome = 'confirmed' THEN 'sms' ELSE a.confirmed_via END,
        status = CASE WHEN d.outcome = 'cancelled' THEN 'cancelled' ELSE a.status END,
        cancel_reason = CASE WHEN d.outcome = 'cancelled' THEN 'cancelled by SMS reply'
            ELSE a.cancel_reason END,
        version = a.version + 1,
        updated_at = now()
    FROM d, a0
    WHERE a.tenant_id = current_tenant_id()
        AND a.id = a0.id
        AND (d.outcome = 'cancelled' OR (d.outcome = 'confirmed' AND a.confirmed_at IS NULL))
    RETURNING a.id
),
t AS (
    SELECT t.name, coalesce(' on ' || (t.settings ->> 'phone'), '') AS call
    FROM tenants t
    WHERE t.id = current_tenant_id() AND :clinic_enabled
)
SELECT d.outcome,
    CASE d.outcome
        WHEN 'confirmed' THEN 'Thank you: your appointment on ' || a0.start_local
            || ' is confirmed. ' || t.name
        WHEN 'cancelled' THEN 'Your appointment on ' || a0.start_local || ' is cancelled. '
            || t.name
        WHEN 'too_late' THEN 'It is too late to cancel your appointment on ' || a0.start_local
            || ' by text: please call us' || t.call || '. ' || t.name
        ELSE 'We found no upcoming appointment to ' || $2 || ' by text: please call us'
            || t.call || '. ' || t.name
    END AS answer
FROM d
LEFT JOIN a0 ON true
LEFT JOIN t ON true;
