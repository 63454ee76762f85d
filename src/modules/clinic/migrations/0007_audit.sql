-- clinic 0007: the clinic's tables in the audit log (core 0007). The appointment history and
-- the reminder outbox are derived from audited appointment changes, so they are not repeated.
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON clinic_appointments
    FOR EACH ROW EXECUTE FUNCTION audit_capture('patient_id');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON clinic_schedules
    FOR EACH ROW EXECUTE FUNCTION audit_capture();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON clinic_schedule_exceptions
    FOR EACH ROW EXECUTE FUNCTION audit_capture();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON clinic_calendar_tokens
    FOR EACH ROW EXECUTE FUNCTION audit_capture();
