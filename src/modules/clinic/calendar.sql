-- calendar.sql - statements of calendar.c: practitioners' iCalendar feeds at token URLs

-- name: token_rotate
-- Revokes practitioner $1's feed token, when $1 is a practitioner: how many practitioners
-- (0 or 1) and tokens that makes.
-- returns: practitioners, revoked
WITH p AS (
    SELECT id
    FROM clinic_practitioners
    WHERE tenant_id = current_tenant_id() AND id = $1
),
old AS (
    UPDATE clinic_calendar_tokens
    SET revoked_at = now()
    WHERE tenant_id = current_tenant_id()
        AND practitioner_id = $1
        AND revoked_at IS NULL
        AND EXISTS (SELECT 1 FROM p)
    RETURNING 1
)
SELECT (SELECT count(*) FROM p) AS practitioners, (SELECT count(*) FROM old) AS revoked;

-- name: token_add
-- Practitioner $1's new feed token (its hash, $2).
WITH :new_id(fresh),
added AS (
    INSERT INTO clinic_calendar_tokens AS k (tenant_id, id, practitioner_id, token_hash)
    SELECT p.tenant_id, fresh.id, p.id, $2::bytea
    FROM clinic_practitioners p, fresh
    WHERE p.tenant_id = current_tenant_id() AND p.id = $1
    RETURNING k.id
)
SELECT count(*) AS added
FROM added;

-- fragment: clinic_feed_owner
-- The practitioner of feed token $1 (its hash) while the token, the practitioner (an active
-- user who is still a practitioner) and the tenant (active) all are: a feed dies with any of
-- them.
SELECT t.practitioner_id
FROM clinic_calendar_tokens t
JOIN users u ON u.tenant_id = t.tenant_id
    AND u.id = t.practitioner_id
    AND u.active
    AND :clinic_user_is_practitioner(u)
WHERE t.tenant_id = current_tenant_id()
    AND t.token_hash = $1::bytea
    AND t.revoked_at IS NULL
    AND EXISTS (SELECT 1 FROM tenants x WHERE x.id = current_tenant_id() AND x.status = 'active')

-- name: token_live
-- returns: practitioner_id
:clinic_feed_owner;

-- name: feed
-- The events of feed token $1: the practitioner's appointments from 30 days back to a year
-- ahead (not those entered in error), times in UTC as iCalendar writes them. The summary names
-- the patient by initials unless the tenant's settings.calendar_full_names is true. Each read
-- of a live feed is one audit row (entity calendar_feed, the practitioner, how many
-- appointments it showed), written by the same statement.
-- returns: id, s, e, stamp, seq, status, who, place, practitioner_name, u
WITH tok AS (
    :clinic_feed_owner
),
full_names AS (
    SELECT coalesce((settings ->> 'calendar_full_names')::boolean, false) AS enabled
    FROM tenants
    WHERE id = current_tenant_id()
),
feed AS MATERIALIZED (
    SELECT a.id,
        to_char(a.starts_at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"') AS s,
        to_char(a.ends_at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"') AS e,
        to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"') AS stamp,
        a.version - 1 AS seq,
        a.status,
        CASE WHEN (SELECT enabled FROM full_names)
            THEN btrim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, ''))
            ELSE concat_ws('.', left(c.first_name, 1), left(c.last_name, 1))
                || CASE WHEN c.first_name IS NULL AND c.last_name IS NULL THEN '' ELSE '.' END
            END AS who,
        concat_ws(', ', a.room, a.location) AS place,
        a.practitioner_name,
        a.updated_at::text AS u,
        a.starts_at
    FROM clinic_appointments a
    JOIN tok ON a.practitioner_id = tok.practitioner_id
    JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.patient_id
    WHERE a.tenant_id = current_tenant_id()
        AND a.status <> 'entered-in-error'
        AND a.starts_at > now() - interval '30 days'
        AND a.starts_at < now() + interval '1 year'
        AND :clinic_enabled
)
SELECT f.id, f.s, f.e, f.stamp, f.seq, f.status, f.who, f.place, f.practitioner_name, f.u
FROM feed f
WHERE (
    SELECT 1
    FROM (
        SELECT audit_read(current_tenant_id(), 'read', 'calendar_feed',
            k.practitioner_id::text, NULL,
            jsonb_build_object('appointments', count(q.id)))
        FROM tok k
        LEFT JOIN feed q ON true
        GROUP BY k.practitioner_id
    ) z
) = 1
ORDER BY f.starts_at, f.id;
