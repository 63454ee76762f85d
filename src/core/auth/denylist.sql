-- denylist.sql - statements of denylist.c, run as crm_platform on the deny list's connection

-- name: platform_role_enter
-- The deny list reads every tenant's rows: crm_platform's policies let it.
SET LOCAL ROLE crm_platform;

-- name: deny_list
-- Suspended tenants ('t'), and users ('u') whose tokens issued before valid_after (epoch
-- seconds) are refused, among those changed within the last $1 seconds (the longest an access
-- token lives, with margin).
-- returns: kind, id, valid_after, active
SELECT 't' AS kind, id::text AS id, 0 AS valid_after, true AS active
FROM tenants
WHERE status <> 'active'
UNION ALL
SELECT 'u', id::text, floor(extract(epoch FROM tokens_valid_after))::bigint, active
FROM users
WHERE tokens_valid_after > now() - make_interval(secs => $1::int);
