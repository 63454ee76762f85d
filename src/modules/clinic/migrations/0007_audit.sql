-- clinic 0007: the clinic's tables in the audit log (core 0007). The appointment history and
-- the reminder outbox are derived from audited appointment changes, so they are not repeated.
SELECT audit_attach('clinic_appointments', 'patient_id');
SELECT audit_attach('clinic_schedules');
SELECT audit_attach('clinic_schedule_exceptions');
SELECT audit_attach('clinic_calendar_tokens');
