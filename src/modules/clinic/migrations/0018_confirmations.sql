-- clinic 0018: a patient confirms an appointment by replying to its reminder (C, YES, ...):
-- when (confirmed_at) and how (confirmed_via: 'sms'). A cancellation by reply sets the status
-- and cancel_reason as any other does. Both are audited with the appointment.
ALTER TABLE clinic_appointments
    ADD COLUMN confirmed_at timestamptz,
    ADD COLUMN confirmed_via text CHECK (confirmed_via IN ('sms')),
    ADD CONSTRAINT clinic_confirmed_how CHECK ((confirmed_at IS NULL) = (confirmed_via IS NULL));
