-- records.sql - what every tenant record's statements share: soft delete and restore

-- fragment: record_delete(table)
-- Soft delete of $1 in table, honouring an optional If-Match ($2): how many rows were deleted,
-- and the live version when the delete did not match.
WITH d AS (
    UPDATE :table
    SET deleted_at = now(), version = version + 1, updated_at = now()
    WHERE tenant_id = current_tenant_id()
        AND id = $1
        AND deleted_at IS NULL
        AND ($2::int IS NULL OR version = $2::int)
    RETURNING id
)
SELECT (SELECT count(*) FROM d) AS deleted,
    (
        SELECT version
        FROM :table
        WHERE tenant_id = current_tenant_id() AND id = $1 AND deleted_at IS NULL
    ) AS version

-- fragment: restore_window(alias)
-- Whether the record alias was deleted within the tenant's restore window
-- (settings.restore_window_days, 30).
:alias.deleted_at > now() - make_interval(days => coalesce((
    SELECT (t.settings ->> 'restore_window_days')::int
    FROM tenants t
    WHERE t.id = current_tenant_id()
), 30))

-- fragment: record_restore(table, alias, json)
-- Restore of $1 within the tenant's restore window. Its JSON is made from the changed row
-- after the UPDATE: Citus takes only immutable expressions in the RETURNING of a write.
WITH :alias AS (
    UPDATE :table :alias
    SET deleted_at = NULL, version = :alias.version + 1, updated_at = now()
    WHERE :alias.tenant_id = current_tenant_id()
        AND :alias.id = $1
        AND :alias.deleted_at IS NOT NULL
        AND :restore_window(:alias)
    RETURNING :alias.*
)
SELECT :json AS j, :alias.version
FROM :alias

-- fragment: live_contact(id)
-- Whether id is a live contact of the tenant (a record belongs to one).
EXISTS (
    SELECT 1
    FROM contacts c
    WHERE c.tenant_id = current_tenant_id() AND c.id = :id AND c.deleted_at IS NULL
)

-- fragment: record_created(cte)
-- The row crm_record_create reads (CRM_CREATE_ROW) after CTEs prior, ctx and stored: the
-- record cte inserted (JSON j, version, id), an earlier answer, the context check.
SELECT (SELECT j FROM :cte), (SELECT version FROM :cte), (SELECT id FROM :cte), :idem_columns,
    :entity_context_columns
FROM ctx

-- fragment: record_changed(cte)
-- The row crm_record_patch reads (CRM_PATCH_ROW): the record cte changed (JSON j, version;
-- null when nothing changed), the context check.
SELECT (SELECT j FROM :cte), (SELECT version FROM :cte), :entity_context_columns
FROM ctx

-- fragment: record_get(table, alias, json)
-- The live record $1 (CRM_RECORD_ROW).
SELECT :json AS j, :alias.version
FROM :table :alias
WHERE :alias.tenant_id = current_tenant_id() AND :alias.id = $1 AND :alias.deleted_at IS NULL

-- fragment: record_version(table)
-- The live record's version, to tell a stale If-Match (412) from a missing record (404).
SELECT version
FROM :table
WHERE tenant_id = current_tenant_id() AND id = $1 AND deleted_at IS NULL
