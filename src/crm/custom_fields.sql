-- custom_fields.sql - statements of custom_fields.c, and the fragments that check a write
-- against the tenant's context (default country and custom field definitions)

-- fragment: entity_defs(entity)
-- The definitions' JSON text for entity (ordered by name, so the same definitions give the
-- same text).
coalesce((
    SELECT json_agg(json_build_object('name', f.name, 'type', f.type, 'options', f.options,
        'required', f.required) ORDER BY f.name)
    FROM custom_fields f
    WHERE f.tenant_id = current_tenant_id() AND f.entity = :entity
), '[]')::text

-- fragment: entity_context_check(entity, country, defs)
-- CTE "ctx" for a write validated against a remembered context (country, defs: parameters):
-- one row, ok when that is still the tenant's context; country and defs are the current
-- ones, for the caller to validate again when it is not.
ctx AS (
    SELECT c.country = :country AND c.defs = :defs AS ok, c.country, c.defs
    FROM (
        SELECT t.default_country AS country, :entity_defs(:entity) AS defs
        FROM tenants t
        WHERE t.id = current_tenant_id()
    ) c
)

-- fragment: entity_context_columns
-- The columns to select FROM ctx, read by crm_entity_context_after: ok, then the current
-- country and defs when not ok.
ok,
    CASE WHEN NOT ok THEN country END AS country,
    CASE WHEN NOT ok THEN defs END AS defs

-- fragment: custom_field_json
json_build_object('id', f.id, 'entity', f.entity, 'name', f.name, 'label', f.label, 'type',
    f.type, 'options', f.options, 'required', f.required, 'created_at', f.created_at)

-- name: entity_context
-- What validating a record of entity $1 needs: the tenant's default country and the JSON
-- array of the entity's custom field definitions.
-- returns: default_country, defs
SELECT t.default_country, :entity_defs($1) AS defs
FROM tenants t
WHERE t.id = current_tenant_id();

-- name: custom_fields_list
-- The tenant's definitions, of entity $1 or all.
-- returns: data
SELECT coalesce(json_agg(:custom_field_json ORDER BY f.entity, f.name), '[]') AS data
FROM custom_fields f
WHERE f.tenant_id = current_tenant_id()
    AND ($1::text IS NULL OR f.entity = $1);

-- name: custom_field_create
-- returns: j, id
WITH f AS (
    INSERT INTO custom_fields AS f (tenant_id, entity, name, label, type, options, required)
    VALUES (current_tenant_id(), $1, $2, $3, $4, $5::jsonb, $6::boolean)
    RETURNING f.*
)
SELECT :custom_field_json AS j, f.id
FROM f;

-- name: custom_field_delete
-- Stored values stay in place; they are no longer validated or accepted in new writes.
-- returns: id
DELETE FROM custom_fields
WHERE tenant_id = current_tenant_id() AND id = $1
RETURNING id;
