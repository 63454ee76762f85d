-- deals.sql - statements of deals.c: deals in a pipeline

-- fragment: deal_json
json_build_object('id', d.id, 'tenant_id', d.tenant_id, 'contact_id', d.contact_id, 'title',
    d.title, 'amount_minor', d.amount_minor, 'currency', d.currency, 'pipeline_id',
    d.pipeline_id, 'stage_id', d.stage_id, 'owner_id', d.owner_id, 'expected_close_date',
    d.expected_close_date, 'status', d.status, 'closed_at', d.closed_at, 'lost_reason',
    d.lost_reason, 'custom_fields', d.custom_fields, 'created_at', d.created_at, 'updated_at',
    d.updated_at, 'created_by', d.created_by, 'version', d.version)

-- name: deal_create
-- Pipeline and stage default to the tenant's default pipeline and its first stage; the
-- contact must be live; custom fields were validated against a remembered context ($13,
-- $14: nothing is written unless it is still the tenant's). $11, $12: Idempotency-Key and
-- the body's hash.
-- returns: j, version, id, request_hash, status, body, ok, country, defs
WITH :idem_prior('deals', $11),
:entity_context_check('deal', $13, $14),
:new_id(fresh),
d_row AS (
    INSERT INTO deals AS d (tenant_id, id, contact_id, title, amount_minor, currency,
        pipeline_id, stage_id, owner_id, expected_close_date, lost_reason, custom_fields,
        created_by)
    SELECT t.tenant_id, fresh.id, $1::uuid, $2, $3::bigint, $4, coalesce($5::uuid, p.id),
        coalesce($6::uuid, (
            SELECT s.id
            FROM pipeline_stages s
            WHERE s.tenant_id = current_tenant_id() AND s.pipeline_id = coalesce($5::uuid, p.id)
            ORDER BY s.position
            LIMIT 1
        )),
        $7::uuid, $8::date, $9, coalesce($10::jsonb, '{}'),
        nullif(current_setting('app.user_id', true), '')::uuid
    FROM tenant_anchors t
    CROSS JOIN fresh
    LEFT JOIN pipelines p ON p.tenant_id = t.tenant_id AND p.is_default
    WHERE t.tenant_id = current_tenant_id()
        AND NOT EXISTS (SELECT 1 FROM prior)
        AND (SELECT ok FROM ctx)
        AND :live_contact($1::uuid)
    RETURNING d.*
),
d AS (
    SELECT :deal_json AS j, d.version, d.id
    FROM d_row d
),
:idem_store('deals', $11, $12, d)
:record_created(d);

-- name: deal_get
-- returns: j, version
:record_get(deals, d, :deal_json);

-- fragment: deals_list(key, cast, cmp, dir)
-- A page of live deals sorted by key (then id), filtered by pipeline ($1), stage ($2),
-- status ($3), owner ($4) and contact ($5), after the cursor's key and id ($6, $7).
SELECT :deal_json AS j, (:key)::text AS k, d.id
FROM deals d
WHERE d.tenant_id = current_tenant_id()
    AND d.deleted_at IS NULL
    AND ($1::uuid IS NULL OR d.pipeline_id = $1::uuid)
    AND ($2::uuid IS NULL OR d.stage_id = $2::uuid)
    AND ($3::text IS NULL OR d.status = $3)
    AND ($4::uuid IS NULL OR d.owner_id = $4::uuid)
    AND ($5::uuid IS NULL OR d.contact_id = $5::uuid)
    AND ($6::text IS NULL OR (:key, d.id) :cmp (CAST($6 AS :cast), $7::uuid))
ORDER BY :key :dir, d.id :dir
LIMIT $8::int

-- name: deals_list_created_desc
-- returns: j, k, id
:deals_list(d.created_at, timestamptz, <, DESC);

-- name: deals_list_created_asc
-- returns: j, k, id
:deals_list(d.created_at, timestamptz, >, ASC);

-- name: deals_list_updated_desc
-- returns: j, k, id
:deals_list(d.updated_at, timestamptz, <, DESC);

-- name: deals_list_updated_asc
-- returns: j, k, id
:deals_list(d.updated_at, timestamptz, >, ASC);

-- name: deal_update
-- Given fields ($12 names them) are set, null clears the optional ones; moving to a stage of
-- another pipeline needs pipeline_id too (the foreign key holds stage and pipeline
-- together). $11: the version If-Match names; $13, $14: the remembered context.
-- returns: j, version, ok, country, defs
WITH :entity_context_check('deal', $13, $14),
u_row AS (
    UPDATE deals d
    SET title = CASE WHEN 'title' = ANY ($12::text[]) THEN $2 ELSE d.title END,
        amount_minor = CASE WHEN 'amount_minor' = ANY ($12::text[]) THEN $3::bigint
            ELSE d.amount_minor END,
        currency = CASE WHEN 'currency' = ANY ($12::text[]) THEN $4 ELSE d.currency END,
        pipeline_id = coalesce($5::uuid, d.pipeline_id),
        stage_id = coalesce($6::uuid, CASE WHEN $5::uuid IS NOT NULL AND $5::uuid <> d.pipeline_id
            THEN (
                SELECT s.id
                FROM pipeline_stages s
                WHERE s.tenant_id = current_tenant_id() AND s.pipeline_id = $5::uuid
                ORDER BY s.position
                LIMIT 1
            )
            ELSE d.stage_id END),
        owner_id = CASE WHEN 'owner_id' = ANY ($12::text[]) THEN $7::uuid ELSE d.owner_id END,
        expected_close_date = CASE WHEN 'expected_close_date' = ANY ($12::text[]) THEN $8::date
            ELSE d.expected_close_date END,
        lost_reason = CASE WHEN 'lost_reason' = ANY ($12::text[]) THEN $9
            ELSE d.lost_reason END,
        custom_fields = jsonb_strip_nulls(d.custom_fields || coalesce($10::jsonb, '{}')),
        version = d.version + 1,
        updated_at = now()
    WHERE d.tenant_id = current_tenant_id()
        AND d.id = $1
        AND d.deleted_at IS NULL
        AND d.version = $11::int
        AND (SELECT ok FROM ctx)
    RETURNING d.*
),
u AS (
    SELECT :deal_json AS j, d.version
    FROM u_row d
)
:record_changed(u);

-- name: deal_version
-- returns: version
:record_version(deals);

-- name: deal_delete
-- returns: deleted, version
:record_delete(deals);

-- name: deal_restore
-- returns: j, version
:record_restore(deals, d, :deal_json);

-- name: deals_summary
-- Per stage of the pipeline (default: the tenant's default), in one query: the number of
-- live deals and, per currency, the total and the probability-weighted total.
-- returns: pipeline_id, stages
WITH p AS (
    SELECT id
    FROM pipelines
    WHERE tenant_id = current_tenant_id()
        AND id = coalesce($1::uuid, (
            SELECT id FROM pipelines WHERE tenant_id = current_tenant_id() AND is_default
        ))
),
per AS (
    SELECT d.stage_id, d.currency, count(*) AS n, sum(d.amount_minor) AS total
    FROM deals d
    JOIN p ON d.pipeline_id = p.id
    WHERE d.tenant_id = current_tenant_id() AND d.deleted_at IS NULL
    GROUP BY d.stage_id, d.currency
)
SELECT (SELECT id FROM p) AS pipeline_id,
    json_agg(json_build_object('stage_id', s.id, 'name', s.name, 'position', s.position,
        'kind', s.kind, 'probability', s.probability,
        'count', coalesce((SELECT sum(n) FROM per WHERE per.stage_id = s.id), 0),
        'totals', coalesce((
            SELECT json_agg(json_build_object('currency', per.currency, 'total_minor', per.total,
                'weighted_minor', round(per.total * s.probability / 100.0)))
            FROM per
            WHERE per.stage_id = s.id AND per.currency IS NOT NULL
        ), '[]'))
        ORDER BY s.position) AS stages
FROM pipeline_stages s
JOIN p ON s.pipeline_id = p.id
WHERE s.tenant_id = current_tenant_id();
