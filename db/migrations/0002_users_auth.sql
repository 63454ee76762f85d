-- 0002: platform role, tenant settings and modules, the role catalogue, users and refresh tokens.
--
-- crm_platform is the role of provisioning (the platform API, the CLI, the token deny list):
-- it sees every tenant row through policies of its own. Tenant requests never use it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'crm_platform') THEN
        CREATE ROLE crm_platform NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
END
$$;
GRANT crm_platform TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO crm_platform;
GRANT SELECT ON schema_migrations TO crm_platform;

ALTER TABLE tenants
    ADD COLUMN default_country text NOT NULL DEFAULT 'US' CHECK (default_country ~ '^[A-Z]{2}$'),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE POLICY platform_all ON tenants TO crm_platform USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE ON tenants TO crm_platform;

-- The modules each tenant has enabled (the core is always on).
CREATE TABLE tenant_modules (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    module text NOT NULL CHECK (module ~ '^[a-z][a-z0-9_]{0,31}$'),
    enabled_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, module)
);
ALTER TABLE tenant_modules ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_modules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_modules
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
CREATE POLICY platform_all ON tenant_modules TO crm_platform USING (true) WITH CHECK (true);
GRANT SELECT ON tenant_modules TO crm_app;
GRANT SELECT, INSERT, DELETE ON tenant_modules TO crm_platform;

-- The built-in roles and their permissions: a catalogue kept equal to the code by
-- `crm migrate` (the code is the authority; the table gives users.role its integrity).
CREATE TABLE roles (
    name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z_]{0,31}$'),
    description text NOT NULL
);
CREATE TABLE role_permissions (
    role text NOT NULL REFERENCES roles (name) ON DELETE CASCADE,
    permission text NOT NULL CHECK (permission ~ '^[a-z][a-z_]*(\.[a-z_]+)+$'),
    PRIMARY KEY (role, permission)
);
GRANT SELECT ON roles, role_permissions TO crm_app, crm_platform;

CREATE TABLE users (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    email citext NOT NULL
        CHECK (length(email) BETWEEN 3 AND 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    password_hash text NOT NULL,
    full_name text NOT NULL CHECK (length(btrim(full_name)) BETWEEN 1 AND 200),
    role text NOT NULL REFERENCES roles (name),
    is_practitioner boolean NOT NULL DEFAULT false,
    active boolean NOT NULL DEFAULT true,
    -- access tokens issued before this instant are refused (disable, role change, new password)
    tokens_valid_after timestamptz NOT NULL DEFAULT '-infinity',
    last_login_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email)
);
CREATE INDEX users_tokens_valid_after ON users (tokens_valid_after);
CREATE INDEX users_list ON users (tenant_id, created_at, id);
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
CREATE POLICY platform_read ON users FOR SELECT TO crm_platform USING (true);
CREATE POLICY platform_insert ON users FOR INSERT TO crm_platform WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE ON users TO crm_app;
GRANT SELECT, INSERT ON users TO crm_platform;

-- Refresh tokens: only a SHA-256 of each is stored. Rotation spends a token (used_at) and
-- makes its child in the same family; presenting a spent one revokes the whole family.
CREATE TABLE refresh_tokens (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    family_id uuid NOT NULL,
    parent_id uuid,
    token_hash bytea NOT NULL CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    revoked_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES refresh_tokens (tenant_id, id)
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (tenant_id, family_id);
ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON refresh_tokens
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
GRANT SELECT, INSERT, UPDATE ON refresh_tokens TO crm_app;

-- What a login needs before its tenant is known: the id and status of the tenant with this
-- slug, and nothing else. Owned by crm_platform, whose policy sees every tenant.
CREATE FUNCTION tenant_by_slug(p_slug text) RETURNS TABLE (id uuid, status text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT t.id, t.status FROM tenants t WHERE t.slug = p_slug $$;
GRANT CREATE ON SCHEMA public TO crm_platform;
ALTER FUNCTION tenant_by_slug(text) OWNER TO crm_platform;
REVOKE CREATE ON SCHEMA public FROM crm_platform;
REVOKE ALL ON FUNCTION tenant_by_slug(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_by_slug(text) TO crm_app;

-- Rotates a refresh token of the current tenant in one statement. Outcomes: ok (the new
-- token is stored), invalid (unknown), expired, disabled (user or tenant; the family is
-- revoked), reused or revoked (a spent or revoked token: the whole family is revoked).
CREATE FUNCTION auth_refresh(p_hash bytea, p_new_hash bytea, p_ttl_seconds integer)
    RETURNS TABLE (outcome text, user_id uuid, role text, family_id uuid)
    LANGUAGE plpgsql VOLATILE SET search_path = public
    AS $$
DECLARE
    t refresh_tokens;
    u users;
    tenant_status text;
BEGIN
    SELECT * INTO t FROM refresh_tokens r
     WHERE r.tenant_id = current_tenant_id() AND r.token_hash = p_hash FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'invalid'::text, NULL::uuid, NULL::text, NULL::uuid;
        RETURN;
    END IF;
    IF t.used_at IS NOT NULL OR t.revoked_at IS NOT NULL THEN
        UPDATE refresh_tokens r SET revoked_at = now()
         WHERE r.tenant_id = t.tenant_id AND r.family_id = t.family_id AND r.revoked_at IS NULL;
        RETURN QUERY SELECT CASE WHEN t.used_at IS NOT NULL THEN 'reused' ELSE 'revoked' END,
                            t.user_id, NULL::text, t.family_id;
        RETURN;
    END IF;
    IF t.expires_at <= now() THEN
        RETURN QUERY SELECT 'expired'::text, t.user_id, NULL::text, t.family_id;
        RETURN;
    END IF;
    SELECT * INTO u FROM users x WHERE x.tenant_id = t.tenant_id AND x.id = t.user_id;
    SELECT x.status INTO tenant_status FROM tenants x WHERE x.id = t.tenant_id;
    IF NOT u.active OR tenant_status IS DISTINCT FROM 'active' THEN
        UPDATE refresh_tokens r SET revoked_at = now()
         WHERE r.tenant_id = t.tenant_id AND r.family_id = t.family_id AND r.revoked_at IS NULL;
        RETURN QUERY SELECT 'disabled'::text, t.user_id, NULL::text, t.family_id;
        RETURN;
    END IF;
    UPDATE refresh_tokens r SET used_at = now() WHERE r.tenant_id = t.tenant_id AND r.id = t.id;
    INSERT INTO refresh_tokens (tenant_id, user_id, family_id, parent_id, token_hash, expires_at)
    VALUES (t.tenant_id, t.user_id, t.family_id, t.id, p_new_hash,
            now() + make_interval(secs => p_ttl_seconds));
    RETURN QUERY SELECT 'ok'::text, u.id, u.role, t.family_id;
END
$$;
REVOKE ALL ON FUNCTION auth_refresh(bytea, bytea, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_refresh(bytea, bytea, integer) TO crm_app;
