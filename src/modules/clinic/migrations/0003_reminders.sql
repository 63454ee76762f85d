-- clinic 0003: reminders of booked appointments, queued in the outbox by the database itself,
-- so every way of booking, moving or cancelling keeps them right. Offsets come from the
-- tenant's settings (reminder_offsets_minutes, default 24 h and 2 h before); a reminder goes
-- by SMS with sms_reminders consent and a phone, by email with email_reminders and an email.
CREATE FUNCTION clinic_queue_reminders() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    UPDATE outbox SET state = 'cancelled'
     WHERE tenant_id = NEW.tenant_id AND topic = 'clinic.reminder' AND subject_id = NEW.id
       AND state = 'queued';
    IF NEW.status = 'booked' THEN
        INSERT INTO outbox (tenant_id, topic, channel, subject_id, contact_id, payload, send_at)
        SELECT NEW.tenant_id, 'clinic.reminder', ch.channel, NEW.id, c.id,
               jsonb_build_object('appointment_time', NEW.starts_at, 'practitioner_name',
                                  NEW.practitioner_name, 'location', NEW.location,
                                  'to', CASE ch.channel WHEN 'sms' THEN c.phone
                                                        ELSE c.email::text END),
               NEW.starts_at - make_interval(mins => o.minutes)
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
CREATE TRIGGER clinic_queue_reminders AFTER INSERT OR UPDATE OF starts_at, status
    ON clinic_appointments FOR EACH ROW EXECUTE FUNCTION clinic_queue_reminders();
