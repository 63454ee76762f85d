-- clinic 0005: whether the caller may see which patient an appointment is for (the Viewer
-- reads the schedule without patients). Decided from the request's role (app.role, set by
-- the core in every transaction) and the permission catalogue the server keeps in sync.
CREATE FUNCTION clinic_sees_patients() RETURNS boolean
    LANGUAGE sql STABLE SET search_path = public AS $$
    SELECT EXISTS (SELECT 1 FROM role_permissions
                    WHERE role = current_setting('app.role', true)
                      AND permission = 'clinic.patients.read')
$$;
GRANT EXECUTE ON FUNCTION clinic_sees_patients() TO crm_app;
