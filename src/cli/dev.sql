-- dev.sql - statements of dev.c (`crm dev`): the application's role and database in the
-- private cluster (as its superuser), and the demo tenant's users

-- name: dev_role_exists
SELECT 1
FROM pg_roles
WHERE rolname = 'crm';

-- name: dev_role_create
-- The owner of the application's database; the password only serves this private cluster.
CREATE ROLE crm LOGIN CREATEROLE PASSWORD 'crm';

-- name: dev_role_grants
-- What the owner may do beyond its objects: turn triggers off for `crm tenant import`.
GRANT SET ON PARAMETER session_replication_role TO crm;

-- name: dev_database_exists
SELECT 1
FROM pg_database
WHERE datname = 'crm';

-- name: dev_database_create
CREATE DATABASE crm OWNER crm;

-- name: dev_user_seed
-- A demo user ($1 email, $2 password hash, $3 full name, $4 role) of the demo tenant, which
-- the demo seed made the transaction's (read from the setting: no request binds it here); kept
-- as it is when already there.
INSERT INTO users (tenant_id, email, password_hash, full_name, role)
VALUES (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4)
ON CONFLICT (tenant_id, email) DO NOTHING;
