-- idempotency.sql - Idempotency-Key on creates: the purge idempotency.c queues, and the
-- fragments a create statement honours the key with

-- fragment: idem_user
-- The user the key belongs to.
nullif(current_setting('app.user_id', true), '')::uuid

-- fragment: idem_prior(route, key)
-- CTE "prior": an earlier answer under (user, route, key) from the last 24 hours.
prior AS (
    SELECT request_hash, status, body
    FROM idempotency_keys
    WHERE tenant_id = current_tenant_id()
        AND user_id = :idem_user
        AND route = :route
        AND key = :key
        AND created_at > now() - interval '24 hours'
)

-- fragment: idem_store(route, key, hash, src)
-- CTE "stored": keeps this answer (column j of CTE src) under the key, when there is one.
stored AS (
    INSERT INTO idempotency_keys AS k (tenant_id, user_id, key, route, request_hash, status,
        body)
    SELECT t.tenant_id, :idem_user, :key, :route, :hash, 201, :src.j::text
    FROM tenant_anchors t, :src
    WHERE t.tenant_id = current_tenant_id() AND :key IS NOT NULL
)

-- fragment: idem_columns
-- The earlier answer's columns, read by crm_idem_replayed: null without one.
(SELECT request_hash FROM prior),
    (SELECT status FROM prior),
    (SELECT body FROM prior)

-- name: idempotency_purge
-- Keys live 24 hours (core migration 0019): this user's under key $1, so that it can be used
-- again, and up to 100 of the tenant's.
DELETE FROM idempotency_keys
WHERE tenant_id = current_tenant_id()
    AND created_at <= now() - interval '24 hours'
    AND (
        (user_id = :idem_user AND key = $1)
        OR (user_id, route, key) IN (
            SELECT x.user_id, x.route, x.key
            FROM idempotency_keys x
            WHERE x.tenant_id = current_tenant_id()
                AND x.created_at <= now() - interval '24 hours'
            LIMIT 100
        )
    );
