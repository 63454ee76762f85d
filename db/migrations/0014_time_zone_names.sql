-- core 0014: is_time_zone() without reading the time zone database for known names.
-- pg_timezone_names lists the zone files from disk at every call: about 35 ms, paid by each
-- tenant created or changed (999 tenants took 35 s of the benchmark's seed). The names are
-- now copied into a table here and looked up there first; a name not in it (one added to the
-- system's time zone data since, or not a zone at all) still gets the full check, so what is
-- accepted is unchanged.
CREATE TABLE time_zone_names (name text PRIMARY KEY);
INSERT INTO time_zone_names SELECT DISTINCT name FROM pg_timezone_names;
GRANT SELECT ON time_zone_names TO PUBLIC;

CREATE OR REPLACE FUNCTION is_time_zone(name text) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT EXISTS (SELECT 1 FROM public.time_zone_names z WHERE z.name = $1)
              OR EXISTS (SELECT 1 FROM pg_timezone_names WHERE pg_timezone_names.name = $1) $$;
