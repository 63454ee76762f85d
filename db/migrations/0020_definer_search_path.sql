-- 0020_definer_search_path.sql - every SECURITY DEFINER function runs with search_path
-- "public, pg_temp": pg_temp named last, so that a temporary table or function of the caller
-- can never shadow what the function means (PostgreSQL's advice for such functions). A
-- function created or replaced later must say so itself; a catalogue test checks them all.
-- Modules call definer_search_path_pin() from a migration of theirs for functions of their
-- own that came before.
CREATE FUNCTION definer_search_path_pin() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace
                AND NOT coalesce('search_path=public, pg_temp' = ANY (p.proconfig), false) LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = public, pg_temp', f);
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION definer_search_path_pin() FROM PUBLIC;
SELECT definer_search_path_pin();
