-- auth_routes.sql - statements of auth_routes.c: sign-in, refresh-token rotation, sign-out
-- and the caller's profile

-- name: login_tenant
-- The tenant of slug $1, made the transaction's tenant for the statements after it (where
-- Citus is loaded, by SET LOCAL too, which reaches its workers: core migration 0031).
-- returns: set_config, id, status, citus_context
SELECT set_config('app.tenant_id', t.id::text, true), t.id, t.status,
    :on_citus(request_set('app.tenant_id', t.id::text)) AS citus_context
FROM tenant_by_slug($1) t;

-- name: login_user
-- The user of email $1 in the tenant of slug $2 (login_tenant's, which the request does not
-- name yet: current_tenant_id() would be bound to the request's, none).
-- returns: id, password_hash, role, active, email
SELECT id, password_hash, role, active, email
FROM users
WHERE tenant_id = (SELECT t.id FROM tenant_by_slug($2) t) AND email = $1;

-- name: session_start
-- A new session (token family) for user $1: the refresh token's hash $2, living $3 seconds.
INSERT INTO refresh_tokens (tenant_id, user_id, family_id, token_hash, expires_at)
VALUES (current_tenant_id(), $1, gen_random_uuid(), $2::bytea,
    now() + make_interval(secs => $3::int));

-- name: login_touch
-- The sign-in's time, and the password's new hash $2 when its parameters were upgraded.
UPDATE users
SET last_login_at = now(), password_hash = coalesce($2, password_hash)
WHERE tenant_id = current_tenant_id() AND id = $1;

-- name: refresh
-- Rotates refresh token $1 (its hash) to $2, living $3 seconds: the outcome is ok, or why
-- not (reused: every token of its session is now revoked); core migration 0002.
-- returns: outcome, user_id, role
SELECT outcome, user_id, role
FROM auth_refresh($1::bytea, $2::bytea, $3);

-- name: logout
-- Revokes the session (the token family) of refresh token $1 (its hash).
UPDATE refresh_tokens
SET revoked_at = now()
WHERE tenant_id = current_tenant_id()
    AND revoked_at IS NULL
    AND family_id = (
        SELECT family_id
        FROM refresh_tokens
        WHERE tenant_id = current_tenant_id() AND token_hash = $1::bytea
    );

-- name: me
-- The caller, while active, and the tenant's name and conventions (its time zone is the one
-- every screen shows times in).
-- returns: id, tenant_id, email, full_name, role, tenant_name, tenant_slug, time_zone, country
SELECT u.id, u.tenant_id, u.email, u.full_name, u.role, t.name AS tenant_name,
       t.slug AS tenant_slug, t.time_zone, t.default_country AS country
FROM users u JOIN tenants t ON t.id = u.tenant_id
WHERE u.tenant_id = current_tenant_id() AND u.id = $1 AND u.active;
