-- pipelines.sql - statements of pipelines.c: sales pipelines and their ordered stages

-- fragment: pipeline_json
json_build_object('id', p.id, 'name', p.name, 'is_default', p.is_default,
    'stages', (
        SELECT json_agg(json_build_object('id', s.id, 'name', s.name, 'position', s.position,
            'probability', s.probability, 'kind', s.kind) ORDER BY s.position)
        FROM pipeline_stages s
        WHERE s.tenant_id = p.tenant_id AND s.pipeline_id = p.id
    ),
    'created_at', p.created_at, 'updated_at', p.updated_at, 'version', p.version)

-- name: pipelines_list
-- Every pipeline of the tenant, the default first.
-- returns: data
SELECT coalesce(json_agg(:pipeline_json ORDER BY p.is_default DESC, p.name), '[]') AS data
FROM pipelines p
WHERE p.tenant_id = current_tenant_id();

-- name: pipeline_get
-- returns: j, version
SELECT :pipeline_json AS j, p.version
FROM pipelines p
WHERE p.tenant_id = current_tenant_id() AND p.id = $1;

-- name: pipeline_create
-- The pipeline (name $1) and its stages ($3, a JSON array) in one statement; making it the
-- default ($2) takes that from the previous default.
-- returns: id, stages
WITH old AS (
    UPDATE pipelines
    SET is_default = false, updated_at = now()
    WHERE tenant_id = current_tenant_id() AND is_default AND $2::boolean
    RETURNING id
),
:new_id(fresh),
stage_ids AS MATERIALIZED (
    SELECT e.ordinality, gen_random_uuid() AS id
    FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY e
),
p AS (
    INSERT INTO pipelines AS x (tenant_id, id, name, is_default)
    SELECT t.tenant_id, fresh.id, $1, $2::boolean
    FROM tenant_anchors t, fresh
    WHERE t.tenant_id = current_tenant_id() AND (SELECT count(*) FROM old) >= 0
    RETURNING x.id, x.tenant_id
),
s AS (
    INSERT INTO pipeline_stages AS y (tenant_id, id, pipeline_id, name, position, probability,
        kind)
    SELECT t.tenant_id, i.id, fresh.id, e.value ->> 'name', (e.ordinality - 1)::int,
        (e.value ->> 'probability')::int, e.value ->> 'kind'
    FROM tenant_anchors t, fresh, jsonb_array_elements($3::jsonb) WITH ORDINALITY e
    JOIN stage_ids i ON i.ordinality = e.ordinality
    WHERE t.tenant_id = current_tenant_id() AND EXISTS (SELECT 1 FROM p)
    RETURNING 1
)
SELECT id, (SELECT count(*) FROM s) AS stages
FROM p;
