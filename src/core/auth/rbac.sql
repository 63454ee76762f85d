-- rbac.sql - statements of rbac.c: the roles and role_permissions tables made equal to the
-- code's declarations (crm_rbac_sync, as the schema owner, in one transaction)

-- name: role_upsert
-- Role $1 with its description $2.
INSERT INTO roles (name, description)
VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description;

-- name: role_permissions_clear
-- Every grant, before the declared ones are written again.
DELETE FROM role_permissions;

-- name: role_permission_grant
-- Role $1 holds permission $2.
INSERT INTO role_permissions (role, permission)
VALUES ($1, $2);
