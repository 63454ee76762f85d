-- users.sql - statements of users.c: the tenant's users

-- fragment: user_json
json_build_object('id', u.id, 'tenant_id', u.tenant_id, 'email', u.email, 'full_name',
    u.full_name, 'role', u.role, 'active', u.active, 'last_login_at', u.last_login_at,
    'created_at', u.created_at, 'updated_at', u.updated_at, 'version', u.version)

-- name: users_list
-- A page of users in creation order, after the cursor's key and id ($1, $2).
-- returns: j, k, id
SELECT :user_json AS j, u.created_at AS k, u.id
FROM users u
WHERE u.tenant_id = current_tenant_id()
    AND ($1::timestamptz IS NULL OR (u.created_at, u.id) > ($1::timestamptz, $2::uuid))
ORDER BY u.created_at, u.id
LIMIT $3::int;

-- name: tenant_name
-- What a password must not contain, beside the user's email.
-- returns: name
SELECT name
FROM tenants
WHERE id = current_tenant_id();

-- name: user_email
-- returns: email
SELECT email
FROM users
WHERE tenant_id = current_tenant_id() AND id = $1;

-- name: user_create
-- $5: the id, made by the server (the modules' writes of the same transaction name it).
-- returns: j, version
WITH u AS (
    INSERT INTO users AS u (tenant_id, id, email, password_hash, full_name, role)
    VALUES (current_tenant_id(), $5, $1, $2, $3, $4)
    RETURNING u.*
)
SELECT :user_json AS j, u.version
FROM u;

-- name: user_get
-- returns: j, version
SELECT :user_json AS j, u.version
FROM users u
WHERE u.tenant_id = current_tenant_id() AND u.id = $1;

-- name: user_update
-- The change (if the version $6 matches, or none is given), tokens issued before refused from
-- now on when the role changes, the user is disabled or given a new password. Null keeps a
-- field. (The sessions end in user_sessions_end, a statement of its own: a second write in
-- this one, Citus sends to the worker with the table's name unchanged.)
-- returns: j, version
WITH changed AS (
    UPDATE users u
    SET full_name = coalesce($2, u.full_name),
        role = coalesce($3, u.role),
        active = coalesce($4::boolean, u.active),
        password_hash = coalesce($5, u.password_hash),
        tokens_valid_after = choose(($3 IS NOT NULL AND $3 <> u.role)
            OR ($4::boolean = false AND u.active) OR $5 IS NOT NULL,
            now(), u.tokens_valid_after),
        version = u.version + 1,
        updated_at = now()
    WHERE u.tenant_id = current_tenant_id()
        AND u.id = $1
        AND ($6::int IS NULL OR u.version = $6::int)
    RETURNING u.*
)
SELECT :user_json AS j, u.version
FROM changed u;

-- name: user_sessions_end
-- After user_update: user $1's sessions end when it disabled them ($2 false) or gave a new
-- password ($3), if it changed the user (its updated_at is this transaction's now()).
UPDATE refresh_tokens t
SET revoked_at = now()
WHERE t.tenant_id = current_tenant_id()
    AND t.user_id = $1
    AND t.revoked_at IS NULL
    AND ($2::boolean = false OR $3::text IS NOT NULL)
    AND EXISTS (
        SELECT 1
        FROM users u
        WHERE u.tenant_id = current_tenant_id() AND u.id = $1 AND u.updated_at = now()
    );

-- name: user_version
-- The user's version, to tell a stale If-Match (412) from a missing user (404).
-- returns: version
SELECT version
FROM users
WHERE tenant_id = current_tenant_id() AND id = $1;
