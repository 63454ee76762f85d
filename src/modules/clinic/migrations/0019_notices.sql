-- clinic 0019: notices of a change to an appointment, queued in the outbox by the database in
-- the transaction that makes the change, as reminders are (clinic 0003), so that every way of
-- booking, moving or cancelling (the API, FHIR, a patient's SMS reply) sends them:
--  - to the patient, on each channel they consented to (SMS with sms_reminders and a phone,
--    email with email_reminders and an email): appointment.booked when an appointment becomes
--    booked, appointment.rescheduled when a booked one moves (a new time or practitioner),
--    appointment.cancelled when a booked one is cancelled; unless the tenant switched the kind
--    off (settings.messages_enabled[kind] false);
--  - to the practitioner, by email, practitioner.booking_notice when an appointment becomes
--    booked with them, only where the tenant switched it on (messages_enabled[kind] true).
-- They are urgent (they go at once, even in quiet hours) and worth sending only before the
-- appointment starts (not_after); a change to an appointment that has started queues none.
-- A new change supersedes the appointment's notices still queued (not yet claimed): they are
-- cancelled, and the new notice says what the patient needs given what they were last sent on
-- that channel: a move before the booking notice went is announced as a booking at the new
-- time; a second move before the first move's notice went says "moved from" the time of the
-- last notice that did go; a move back to that time queues nothing. A cancellation is always
-- sent. A transaction that loads data rather than making changes (the demo seed) sets
-- clinic.notices to 'off' and queues none.
CREATE FUNCTION clinic_queue_notices() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public AS $$
DECLARE
    moved boolean := TG_OP = 'UPDATE'
        AND (OLD.starts_at IS DISTINCT FROM NEW.starts_at
             OR OLD.practitioner_id IS DISTINCT FROM NEW.practitioner_id);
    was_booked boolean := TG_OP = 'UPDATE' AND OLD.status = 'booked';
    kind text;
    enabled jsonb;
    superseded jsonb;
    ch record;
    k text;
    prev_at timestamptz;
    prev_name text;
BEGIN
    IF current_setting('clinic.notices', true) = 'off'
       OR (TG_OP = 'UPDATE' AND NOT moved AND OLD.status = NEW.status) THEN
        RETURN NULL;
    END IF;
    WITH gone AS (
        UPDATE outbox SET state = 'cancelled',
               cancel_reason = 'superseded by a later change to the appointment'
         WHERE tenant_id = NEW.tenant_id AND subject_id = NEW.id AND state = 'queued'
           AND topic IN ('appointment.booked', 'appointment.rescheduled',
                         'appointment.cancelled', 'practitioner.booking_notice')
        RETURNING channel, topic, payload
    )
    SELECT coalesce(jsonb_agg(jsonb_build_object('channel', channel, 'topic', topic,
                                                 'payload', payload)), '[]')
      INTO superseded FROM gone;
    SELECT coalesce(t.settings -> 'messages_enabled', '{}') INTO enabled
      FROM tenants t WHERE t.id = NEW.tenant_id;

    kind := CASE
        WHEN NEW.status = 'booked' AND NOT was_booked THEN 'appointment.booked'
        WHEN NEW.status = 'booked' AND moved THEN 'appointment.rescheduled'
        WHEN NEW.status = 'cancelled' AND was_booked THEN 'appointment.cancelled'
    END;
    IF kind IS NOT NULL AND NEW.starts_at > now() THEN
        FOR ch IN
            SELECT v.channel, CASE v.channel WHEN 'sms' THEN c.phone ELSE c.email::text END AS addr,
                   c.id AS contact_id
              FROM contacts c
             CROSS JOIN LATERAL (VALUES ('sms'), ('email')) AS v (channel)
             WHERE c.tenant_id = NEW.tenant_id AND c.id = NEW.patient_id
               AND c.deleted_at IS NULL AND c.erased_at IS NULL
               AND ((v.channel = 'sms' AND c.phone IS NOT NULL
                     AND coalesce((c.consent ->> 'sms_reminders')::boolean, false))
                 OR (v.channel = 'email' AND c.email IS NOT NULL
                     AND coalesce((c.consent ->> 'email_reminders')::boolean, false)))
        LOOP
            k := kind;
            prev_at := CASE WHEN TG_OP = 'UPDATE' THEN OLD.starts_at END;
            prev_name := CASE WHEN TG_OP = 'UPDATE' THEN OLD.practitioner_name END;
            IF k = 'appointment.rescheduled' THEN
                IF superseded @> jsonb_build_array(jsonb_build_object(
                        'channel', ch.channel, 'topic', 'appointment.booked')) THEN
                    k := 'appointment.booked';
                ELSE
                    SELECT (s -> 'payload' ->> 'previous_starts_at')::timestamptz,
                           s -> 'payload' ->> 'previous_practitioner_name'
                      INTO prev_at, prev_name
                      FROM jsonb_array_elements(superseded) s
                     WHERE s ->> 'channel' = ch.channel
                       AND s ->> 'topic' = 'appointment.rescheduled'
                     LIMIT 1;
                    IF NOT FOUND THEN
                        prev_at := OLD.starts_at;
                        prev_name := OLD.practitioner_name;
                    END IF;
                    CONTINUE WHEN prev_at = NEW.starts_at
                                  AND prev_name IS NOT DISTINCT FROM NEW.practitioner_name;
                END IF;
            END IF;
            CONTINUE WHEN enabled -> k = 'false'::jsonb;
            INSERT INTO outbox (tenant_id, topic, channel, subject_id, contact_id, payload,
                                send_at, urgent, not_after)
            VALUES (NEW.tenant_id, k, ch.channel, NEW.id, ch.contact_id,
                    jsonb_build_object('appointment_time', NEW.starts_at,
                                       'practitioner_id', NEW.practitioner_id, 'to', ch.addr)
                    || CASE WHEN k = 'appointment.rescheduled' THEN
                           jsonb_build_object('previous_starts_at', prev_at,
                                              'previous_practitioner_name', prev_name)
                       ELSE '{}' END,
                    now(), true, NEW.starts_at);
        END LOOP;
    END IF;

    -- the practitioner's notice of a new booking in their diary (a notice still queued when
    -- the appointment moves is queued again at the new time)
    IF NEW.status = 'booked' AND NEW.starts_at > now()
       AND enabled -> 'practitioner.booking_notice' = 'true'::jsonb
       AND (NOT was_booked OR OLD.practitioner_id IS DISTINCT FROM NEW.practitioner_id
            OR superseded @> '[{"topic": "practitioner.booking_notice"}]') THEN
        INSERT INTO outbox (tenant_id, topic, channel, subject_id, contact_id, payload, send_at,
                            urgent, not_after)
        SELECT NEW.tenant_id, 'practitioner.booking_notice', 'email', NEW.id, NULL,
               jsonb_build_object('appointment_time', NEW.starts_at,
                                  'practitioner_id', NEW.practitioner_id, 'to', u.email::text),
               now(), true, NEW.starts_at
          FROM users u
         WHERE u.tenant_id = NEW.tenant_id AND u.id = NEW.practitioner_id AND u.active;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER clinic_queue_notices AFTER INSERT OR UPDATE OF starts_at, status, practitioner_id
    ON clinic_appointments FOR EACH ROW EXECUTE FUNCTION clinic_queue_notices();
