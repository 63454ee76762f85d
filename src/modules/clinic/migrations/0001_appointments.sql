-- clinic 0001: appointments, with double booking made impossible by the database, and the
-- history of their status and time changes.
CREATE TABLE clinic_appointments (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    patient_id uuid NOT NULL,
    practitioner_id uuid NOT NULL,
    practitioner_name text NOT NULL,
    starts_at timestamptz NOT NULL,
    duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 720),
    ends_at timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('proposed', 'pending', 'booked', 'arrived',
        'checked-in', 'fulfilled', 'cancelled', 'noshow', 'waitlist', 'entered-in-error')),
    appointment_type text CHECK (length(appointment_type) <= 100),
    reason text CHECK (length(reason) <= 1000),
    location text CHECK (length(location) <= 200),
    room text CHECK (length(room) BETWEEN 1 AND 50),
    notes text CHECK (length(notes) <= 20000),
    cancel_reason text CHECK (length(cancel_reason) <= 500),
    source text NOT NULL DEFAULT 'staff' CHECK (source IN ('staff', 'phone', 'online')),
    overbooked boolean NOT NULL DEFAULT false,
    overbook_reason text CHECK (length(overbook_reason) <= 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid,
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, patient_id) REFERENCES contacts (tenant_id, id),
    FOREIGN KEY (tenant_id, practitioner_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    CHECK (ends_at = starts_at + make_interval(mins => duration_minutes)),
    CHECK (NOT overbooked OR overbook_reason IS NOT NULL),
    -- one practitioner, one appointment at a time (an explicit overbook steps aside)
    CONSTRAINT clinic_no_double_booking EXCLUDE USING gist
        (tenant_id WITH =, practitioner_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
        WHERE (status IN ('proposed', 'pending', 'booked', 'arrived', 'checked-in')
               AND NOT overbooked),
    -- one room, one appointment at a time
    CONSTRAINT clinic_no_room_clash EXCLUDE USING gist
        (tenant_id WITH =, room WITH =, tstzrange(starts_at, ends_at) WITH &&)
        WHERE (room IS NOT NULL AND status IN ('proposed', 'pending', 'booked', 'arrived',
               'checked-in') AND NOT overbooked)
);
CREATE INDEX clinic_appointments_time ON clinic_appointments (tenant_id, starts_at, id);
CREATE INDEX clinic_appointments_patient ON clinic_appointments (tenant_id, patient_id, starts_at);

CREATE TABLE clinic_appointment_history (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    appointment_id uuid NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by uuid,
    from_status text,
    to_status text NOT NULL,
    from_starts_at timestamptz,
    to_starts_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, appointment_id) REFERENCES clinic_appointments (tenant_id, id),
    FOREIGN KEY (tenant_id, changed_by) REFERENCES users (tenant_id, id)
);

CREATE FUNCTION clinic_record_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status
       OR OLD.starts_at IS DISTINCT FROM NEW.starts_at THEN
        INSERT INTO clinic_appointment_history (tenant_id, appointment_id, changed_by,
            from_status, to_status, from_starts_at, to_starts_at)
        VALUES (NEW.tenant_id, NEW.id, nullif(current_setting('app.user_id', true), '')::uuid,
                CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
                CASE WHEN TG_OP = 'UPDATE' THEN OLD.starts_at END, NEW.starts_at);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER clinic_record_change AFTER INSERT OR UPDATE ON clinic_appointments
    FOR EACH ROW EXECUTE FUNCTION clinic_record_change();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['clinic_appointments', 'clinic_appointment_history'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id())'
                       ' WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE ON clinic_appointments TO crm_app;
GRANT SELECT, INSERT ON clinic_appointment_history TO crm_app;

-- Erasure of a patient with appointments is refused: clinical records are kept by law.
CREATE FUNCTION clinic_erase_guard(p_contact uuid) RETURNS void
    LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM clinic_appointments WHERE tenant_id = current_tenant_id()
               AND patient_id = p_contact) THEN
        RAISE EXCEPTION 'clinical records (appointments) must be kept as medical records law '
                        'requires; they are not erased';
    END IF;
END
$$;
GRANT EXECUTE ON FUNCTION clinic_erase_guard(uuid) TO crm_app;
