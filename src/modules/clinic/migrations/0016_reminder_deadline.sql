-- clinic 0016: a reminder is worth sending only before its appointment starts. Reminders carry
-- that as the outbox's not_after (core 0023), so that a reminder held back by quiet hours or
-- retries, or left by a stopped worker, is cancelled rather than sent late.
CREATE OR REPLACE FUNCTION clinic_queue_reminders()
    RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE outbox SET state = 'cancelled'
         WHERE tenant_id = NEW.tenant_id AND topic = 'clinic.reminder' AND subject_id = NEW.id
           AND state = 'queued';
    END IF;
    IF NEW.status = 'booked' THEN
        INSERT INTO outbox (tenant_id, topic, channel, subject_id, contact_id, payload, send_at,
                            not_after)
        SELECT NEW.tenant_id, 'clinic.reminder', ch.channel, NEW.id, c.id,
               jsonb_build_object('appointment_time', NEW.starts_at, 'practitioner_name',
                                  NEW.practitioner_name, 'location', NEW.location,
                                  'to', CASE ch.channel WHEN 'sms' THEN c.phone
                                                        ELSE c.email::text END),
               NEW.starts_at - make_interval(mins => o.minutes), NEW.starts_at
          FROM contacts c
          CROSS JOIN LATERAL (SELECT jsonb_array_elements_text(coalesce(
                  (SELECT t.settings -> 'reminder_offsets_minutes' FROM tenants t
                    WHERE t.id = NEW.tenant_id), '[1440, 120]'))::int AS minutes) o
          CROSS JOIN LATERAL (VALUES ('sms'), ('email')) AS ch (channel)
         WHERE c.tenant_id = NEW.tenant_id AND c.id = NEW.patient_id
           AND NEW.starts_at - make_interval(mins => o.minutes) > now()
           AND ((ch.channel = 'sms' AND c.phone IS NOT NULL
                 AND (c.consent ->> 'sms_reminders')::boolean)
             OR (ch.channel = 'email' AND c.email IS NOT NULL
                 AND (c.consent ->> 'email_reminders')::boolean));
    END IF;
    RETURN NULL;
END
$$;

UPDATE outbox o SET not_after = a.starts_at
  FROM clinic_appointments a
 WHERE o.topic = 'clinic.reminder' AND o.state = 'queued' AND o.not_after IS NULL
   AND a.tenant_id = o.tenant_id AND a.id = o.subject_id;
