-- 0012_definer_search_path.sql - the clinic's SECURITY DEFINER functions get search_path
-- "public, pg_temp", as core 0020 gives the core's (on a new database the core's migrations
-- run before the module's, so that one finds none of these yet).
SELECT definer_search_path_pin();
