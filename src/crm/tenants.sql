-- tenants.sql - statements of tenants.c: provisioning, run as crm_platform

-- fragment: tenant_modules_join
-- Each tenant's modules as tm.modules (a JSON array; NULL: none), joined to tenants t: a join
-- rather than a subquery for each row, which Citus cannot plan over the reference table. The
-- OFFSET makes Citus compute the modules first and join them on the coordinator: pushed down
-- to each shard, the join kept the tenants of the shard's hash range with its lower bound
-- left out, and so lost a tenant isolated to a shard of its own (Citus 13.2.2).
LEFT JOIN (
    SELECT m.tenant_id, json_agg(m.module ORDER BY m.module) AS modules
    FROM tenant_modules m
    GROUP BY m.tenant_id
    OFFSET 0
) tm ON tm.tenant_id = t.id

-- fragment: tenant_json
-- A tenant as the platform API shows it (FROM tenants t :tenant_modules_join).
json_build_object('id', t.id, 'name', t.name, 'slug', t.slug, 'status', t.status,
    'time_zone', t.time_zone, 'default_country', t.default_country,
    'modules', coalesce(tm.modules, '[]'::json),
    'sms_senders', coalesce(t.settings -> 'sms_senders', '[]'::jsonb),
    'created_at', t.created_at, 'updated_at', t.updated_at)

-- name: platform_audit
-- A platform call ($2 method, $3 path) about tenant $1 (its id), in its audit log: a call with
-- the tenant as a value, which Citus runs on the tenant's node (core migration 0031).
SELECT audit_platform($1::uuid, jsonb_build_object('method', $2::text, 'path', $3::text));

-- name: tenant_id_of_slug
-- returns: id
SELECT t.id
FROM tenants t
WHERE t.slug = $1;

-- name: tenant_insert
INSERT INTO tenants (id, name, slug, time_zone, default_country)
VALUES ($1, $2, $3, coalesce($4, 'UTC'), coalesce($5, 'US'));

-- name: tenant_modules
-- The industry modules ($2, a text[]) the new tenant starts with.
SELECT tenant_modules_add($1, $2::text[]);

-- name: tenant_admin
-- The tenant's first user, an Admin.
-- returns: id
INSERT INTO users (tenant_id, email, password_hash, full_name, role)
VALUES ($1, $2, $3, $4, 'admin')
RETURNING id;

-- name: tenant_pipeline
SELECT create_default_pipeline($1);

-- name: tenant_get
-- returns: j
SELECT :tenant_json AS j
FROM tenants t
:tenant_modules_join
WHERE t.id = $1;

-- name: tenants_list
-- A page of tenants in creation order, after the cursor's key and id ($1, $2).
-- returns: j, k, id
SELECT :tenant_json AS j, t.created_at AS k, t.id
FROM tenants t
:tenant_modules_join
WHERE ($1::timestamptz IS NULL OR (t.created_at, t.id) > ($1::timestamptz, $2::uuid))
ORDER BY t.created_at, t.id
LIMIT $3::int;

-- name: tenant_by_key
-- The tenant whose id or slug is $1.
-- returns: j
SELECT :tenant_json AS j
FROM tenants t
:tenant_modules_join
WHERE t.id::text = $1 OR t.slug = $1;

-- name: tenant_status
-- Suspends or resumes ($2, NULL: keeps it) the tenant whose id or slug is $1, and assigns it
-- its SMS senders ($3, a JSON array of E.164 numbers and sender ids; NULL: keeps them).
-- returns: j
WITH changed AS (
    UPDATE tenants
    SET status = coalesce($2, status),
        settings = CASE WHEN $3::jsonb IS NULL THEN settings
                        ELSE jsonb_set(settings, '{sms_senders}', $3::jsonb) END,
        updated_at = now()
    WHERE id::text = $1 OR slug = $1
    RETURNING *
)
SELECT :tenant_json AS j
FROM changed t
:tenant_modules_join;
