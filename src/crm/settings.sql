-- settings.sql - statements of settings.c: the tenant's settings (tenants.settings and
-- tenants.time_zone, core migration 0025)

-- name: settings_get
-- The tenant's stored settings, its time zone and name (the default sender name of its
-- email), and the version of its settings (the ETag).
-- returns: settings, time_zone, name, version
SELECT t.settings,
    t.time_zone,
    t.name,
    t.settings_version AS version
FROM tenants t
WHERE t.id = current_tenant_id();

-- name: settings_update
-- Merges a change into the stored settings, in SQL so that two changes of different keys made
-- at once both stay (the second runs on the row the first wrote): the keys $2 (text[]) go, so
-- that their defaults apply, the keys of $1 (an object) are set, and, when $3 is given, the
-- messages_enabled object gets the kinds of $3 and loses the kinds $4 (text[]). Keys the
-- change does not name, and those only the platform knows, stay as stored. $5: the new time
-- zone, or NULL to keep it; $6: the version If-Match names, or NULL for any.
-- returns: settings, time_zone, name, version
UPDATE tenants t
SET settings = CASE WHEN $3::jsonb IS NULL THEN (t.settings - $2::text[]) || $1::jsonb
        ELSE jsonb_set((t.settings - $2::text[]) || $1::jsonb, '{messages_enabled}',
            (CASE WHEN jsonb_typeof(t.settings -> 'messages_enabled') = 'object'
                THEN t.settings -> 'messages_enabled' ELSE '{}' END - $4::text[]) || $3::jsonb)
        END,
    time_zone = coalesce($5, t.time_zone),
    settings_version = t.settings_version + 1,
    updated_at = now()
WHERE t.id = current_tenant_id()
    AND ($6::int IS NULL OR t.settings_version = $6::int)
RETURNING t.settings,
    t.time_zone,
    t.name,
    t.settings_version AS version;

-- name: settings_time_zone_check
-- Whether $1 names a time zone, as the tenants table's check says.
-- returns: ok
SELECT is_time_zone($1) AS ok;
