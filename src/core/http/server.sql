-- server.sql - statements of server.c's start-up checks of the database roles

-- name: platform_membership
-- Whether the connecting role can act as crm_platform (only the platform connection may).
-- returns: member, current_user
SELECT pg_has_role(current_user, 'crm_platform', 'MEMBER') AS member, current_user;

-- name: app_role_enter
-- Everything after it in the transaction runs as the app role, as requests will.
SET LOCAL ROLE crm_app;

-- name: app_role_powers
-- What would let the app role escape row-level security.
-- returns: rolsuper, rolbypassrls, owns_tables
SELECT r.rolsuper,
    r.rolbypassrls,
    EXISTS (
        SELECT 1 FROM pg_class k WHERE k.relowner = r.oid AND k.relkind IN ('r', 'p')
    ) AS owns_tables
FROM pg_roles r
WHERE r.rolname = current_user;
