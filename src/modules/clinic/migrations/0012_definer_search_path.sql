-- 0012_definer_search_path.sql - the clinic's SECURITY DEFINER functions, as core 0020 does for
-- the core's: search_path "public, pg_temp" (on a new database the core's migrations run
-- before the module's, so they find none of these yet).
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = public, pg_temp', f);
    END LOOP;
END
$$;
