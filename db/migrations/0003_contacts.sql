-- 0003: contacts, per-tenant custom field definitions, and idempotent creates.

-- Custom fields a tenant defines for its contacts, deals and activities.
CREATE TABLE custom_fields (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    entity text NOT NULL CHECK (entity IN ('contact', 'deal', 'activity')),
    name text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    label text NOT NULL CHECK (length(btrim(label)) BETWEEN 1 AND 100),
    type text NOT NULL CHECK (type IN ('text', 'number', 'date', 'boolean', 'select')),
    options jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(options) = 'array'),
    required boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, entity, name),
    CHECK ((type = 'select') = (jsonb_array_length(options) > 0))
);

CREATE TABLE contacts (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    type text NOT NULL CHECK (type IN ('lead', 'customer', 'patient')),
    first_name text CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name text CHECK (length(last_name) BETWEEN 1 AND 100),
    email citext CHECK (length(email) BETWEEN 3 AND 254),
    phone text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    date_of_birth date CHECK (date_of_birth >= '1900-01-01'),
    gender text CHECK (gender IN ('female', 'male', 'other', 'unknown')),
    address jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(address) = 'object'),
    company text CHECK (length(company) BETWEEN 1 AND 200),
    tags text[] NOT NULL DEFAULT '{}',
    owner_id uuid,
    source text CHECK (length(source) BETWEEN 1 AND 100),
    custom_fields jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
    consent jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(consent) = 'object'),
    consent_updated_at jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid,
    version integer NOT NULL DEFAULT 1,
    deleted_at timestamptz,
    merged_into uuid,
    erased_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, merged_into) REFERENCES contacts (tenant_id, id),
    CHECK (first_name IS NOT NULL OR last_name IS NOT NULL OR company IS NOT NULL
           OR erased_at IS NOT NULL)
);
-- Lists (newest first or oldest first) and the duplicate checks, over live contacts.
CREATE INDEX contacts_created ON contacts (tenant_id, created_at, id);
CREATE INDEX contacts_updated ON contacts (tenant_id, updated_at, id);
CREATE INDEX contacts_last_name ON contacts (tenant_id, (coalesce(lower(last_name), '')), id);
CREATE INDEX contacts_email ON contacts (tenant_id, email) WHERE deleted_at IS NULL;
CREATE INDEX contacts_phone ON contacts (tenant_id, phone) WHERE deleted_at IS NULL;
CREATE INDEX contacts_name_dob ON contacts (tenant_id, lower(last_name), lower(first_name),
                                            date_of_birth) WHERE deleted_at IS NULL;
CREATE INDEX contacts_tags ON contacts USING gin (tags);
CREATE INDEX contacts_owner ON contacts (tenant_id, owner_id);

-- The answer to a create, kept under its Idempotency-Key for a day.
CREATE TABLE idempotency_keys (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    route text NOT NULL,
    request_hash text NOT NULL,
    status integer NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, route, key)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['custom_fields', 'contacts', 'idempotency_keys'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id())'
                       ' WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE, DELETE ON custom_fields TO crm_app;
GRANT SELECT, INSERT, UPDATE ON contacts TO crm_app;
GRANT SELECT, INSERT ON idempotency_keys TO crm_app;
