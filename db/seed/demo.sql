-- Demo data for `crm dev`: idempotent, run as the owner inside one transaction.
-- Row-level security is forced for the owner too, so each tenant's rows are written with
-- that tenant set. The tenant is named by the industry modules' seeds, which run after.
SELECT set_config('app.tenant_id', '0d3e0000-0000-4000-8000-000000000001', true);

INSERT INTO tenants (id, name, slug, time_zone)
VALUES ('0d3e0000-0000-4000-8000-000000000001', 'Demo', 'demo', 'Europe/London')
ON CONFLICT (id) DO NOTHING;

SELECT create_default_pipeline('0d3e0000-0000-4000-8000-000000000001')
 WHERE NOT EXISTS (SELECT 1 FROM pipelines WHERE tenant_id = '0d3e0000-0000-4000-8000-000000000001');
