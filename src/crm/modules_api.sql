-- modules_api.sql - statements of modules_api.c: turning a tenant's modules on and off

-- name: module_on
INSERT INTO tenant_modules (tenant_id, module)
VALUES (current_tenant_id(), $1)
ON CONFLICT DO NOTHING;

-- name: module_off
DELETE FROM tenant_modules
WHERE tenant_id = current_tenant_id() AND module = $1;
