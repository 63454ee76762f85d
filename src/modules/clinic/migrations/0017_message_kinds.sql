-- clinic 0017: the clinic's messages are named by what they are about, as the templates and
-- settings name them (appointment.reminder, appointment.booked, ...), no longer by the module.
CREATE OR REPLACE FUNCTION clinic_queue_reminders()
    RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE outbox SET state = 'cancelled'
         WHERE tenant_id = NEW.tenant_id AND topic = 'appointment.reminder' AND subject_id = NEW.id
           AND state = 'queued';
    END IF;
    IF NEW.status = 'booked' THEN
        INSERT INTO outbox (tenant_id, topic, channel, subject_id, contact_id, payload, send_at,
                            not_after)
        SELECT NEW.tenant_id, 'appointment.reminder', ch.channel, NEW.id, c.id,
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

UPDATE outbox SET topic = 'appointment.reminder' WHERE topic = 'clinic.reminder';
