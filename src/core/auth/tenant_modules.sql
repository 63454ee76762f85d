-- tenant_modules.sql - statements of tenant_modules.c

-- name: tenant_modules_enabled
-- Every tenant's enabled modules, reloaded with the deny list (as crm_platform).
-- returns: tenant_id, module
SELECT tenant_id::text, module
FROM tenant_modules;
