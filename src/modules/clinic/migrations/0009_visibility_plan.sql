-- clinic 0009: clinic_sees_patients() in PL/pgSQL and without its SET clause. As a SQL
-- function with a SET clause (which also keeps it from being inlined) PostgreSQL planned its
-- query again in every statement that called it: 5 % of the database's time when creating
-- appointments (perf, docs/performance.md). PL/pgSQL keeps the plan for the session. It is
-- not SECURITY DEFINER, so the search path is the caller's; the table is schema-qualified.
CREATE OR REPLACE FUNCTION clinic_sees_patients() RETURNS boolean
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM public.role_permissions
                    WHERE role = current_setting('app.role', true)
                      AND permission = 'clinic.patients.read');
END
$$;
