-- 0004: pipelines with ordered stages, deals (status from the stage), the history of stage
-- changes, and activities.
CREATE TABLE pipelines (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
CREATE UNIQUE INDEX pipelines_one_default ON pipelines (tenant_id) WHERE is_default;

CREATE TABLE pipeline_stages (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    pipeline_id uuid NOT NULL,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    position integer NOT NULL CHECK (position >= 0),
    probability integer NOT NULL CHECK (probability BETWEEN 0 AND 100),
    kind text NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, pipeline_id, id),
    UNIQUE (tenant_id, pipeline_id, name),
    UNIQUE (tenant_id, pipeline_id, position),
    FOREIGN KEY (tenant_id, pipeline_id) REFERENCES pipelines (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE deals (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    contact_id uuid NOT NULL,
    title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    amount_minor bigint CHECK (amount_minor >= 0),
    currency text CHECK (currency ~ '^[A-Z]{3}$'),
    pipeline_id uuid NOT NULL,
    stage_id uuid NOT NULL,
    owner_id uuid,
    expected_close_date date,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
    closed_at timestamptz,
    lost_reason text CHECK (length(lost_reason) <= 500),
    custom_fields jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid,
    version integer NOT NULL DEFAULT 1,
    deleted_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, contact_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id),
    -- the stage must belong to the deal's pipeline
    FOREIGN KEY (tenant_id, pipeline_id, stage_id)
        REFERENCES pipeline_stages (tenant_id, pipeline_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    CHECK ((amount_minor IS NULL) = (currency IS NULL))
);
CREATE INDEX deals_created ON deals (tenant_id, created_at, id);
CREATE INDEX deals_contact ON deals (tenant_id, contact_id);
CREATE INDEX deals_pipeline_stage ON deals (tenant_id, pipeline_id, stage_id) WHERE deleted_at IS NULL;

CREATE TABLE deal_stage_history (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    deal_id uuid NOT NULL,
    from_stage_id uuid,
    to_stage_id uuid NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by uuid,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, deal_id) REFERENCES deals (tenant_id, id),
    FOREIGN KEY (tenant_id, to_stage_id) REFERENCES pipeline_stages (tenant_id, id),
    FOREIGN KEY (tenant_id, changed_by) REFERENCES users (tenant_id, id)
);
CREATE INDEX deal_stage_history_deal ON deal_stage_history (tenant_id, deal_id, changed_at);

-- A deal's status follows its stage's kind; closed_at marks the move to won or lost.
CREATE FUNCTION deals_follow_stage() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    SELECT s.kind INTO NEW.status FROM pipeline_stages s
     WHERE s.tenant_id = NEW.tenant_id AND s.pipeline_id = NEW.pipeline_id AND s.id = NEW.stage_id;
    IF NEW.status IS NULL THEN
        NEW.status := 'open'; -- the foreign key reports the bad stage
    END IF;
    IF NEW.status = 'open' THEN
        NEW.closed_at := NULL;
    ELSIF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status THEN
        NEW.closed_at := now();
    END IF;
    IF NEW.status <> 'lost' THEN
        NEW.lost_reason := NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER deals_follow_stage BEFORE INSERT OR UPDATE OF stage_id, pipeline_id ON deals
    FOR EACH ROW EXECUTE FUNCTION deals_follow_stage();

CREATE FUNCTION deals_record_stage() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF TG_OP = 'INSERT' OR OLD.stage_id IS DISTINCT FROM NEW.stage_id THEN
        INSERT INTO deal_stage_history (tenant_id, deal_id, from_stage_id, to_stage_id, changed_by)
        VALUES (NEW.tenant_id, NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.stage_id END,
                NEW.stage_id, nullif(current_setting('app.user_id', true), '')::uuid);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER deals_record_stage AFTER INSERT OR UPDATE OF stage_id ON deals
    FOR EACH ROW EXECUTE FUNCTION deals_record_stage();

CREATE TABLE activities (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    type text NOT NULL CHECK (type IN ('task', 'note', 'call', 'meeting', 'email', 'event')),
    subject text NOT NULL CHECK (length(btrim(subject)) BETWEEN 1 AND 200),
    body text CHECK (length(body) <= 20000),
    contact_id uuid NOT NULL,
    deal_id uuid,
    due_at timestamptz,
    starts_at timestamptz,
    ends_at timestamptz,
    assigned_to uuid,
    completed_at timestamptz,
    priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    custom_fields jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid,
    version integer NOT NULL DEFAULT 1,
    deleted_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id),
    -- a deal of the same contact
    FOREIGN KEY (tenant_id, contact_id, deal_id) REFERENCES deals (tenant_id, contact_id, id),
    FOREIGN KEY (tenant_id, assigned_to) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
    CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at >= starts_at)
);
CREATE INDEX activities_created ON activities (tenant_id, created_at, id);
CREATE INDEX activities_contact ON activities (tenant_id, contact_id, created_at);
CREATE INDEX activities_open_tasks ON activities (tenant_id, assigned_to, due_at)
    WHERE completed_at IS NULL AND deleted_at IS NULL;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['pipelines', 'pipeline_stages', 'deals', 'deal_stage_history',
                             'activities'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant_id())'
                       ' WITH CHECK (tenant_id = current_tenant_id())', t);
    END LOOP;
END
$$;
-- provisioning makes each new tenant's default pipeline
CREATE POLICY platform_insert ON pipelines FOR INSERT TO crm_platform WITH CHECK (true);
CREATE POLICY platform_insert ON pipeline_stages FOR INSERT TO crm_platform WITH CHECK (true);
CREATE POLICY platform_read ON pipelines FOR SELECT TO crm_platform USING (true);
CREATE POLICY platform_read ON pipeline_stages FOR SELECT TO crm_platform USING (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON pipelines, pipeline_stages TO crm_app;
GRANT SELECT, INSERT ON pipelines, pipeline_stages TO crm_platform;
GRANT SELECT, INSERT, UPDATE ON deals, activities TO crm_app;
GRANT SELECT, INSERT ON deal_stage_history TO crm_app;

-- The "Sales" pipeline every tenant starts with.
CREATE FUNCTION create_default_pipeline(p_tenant uuid) RETURNS uuid
    LANGUAGE sql SET search_path = public AS $$
    WITH p AS (INSERT INTO pipelines (tenant_id, name, is_default)
               VALUES (p_tenant, 'Sales', true) RETURNING id),
         s AS (INSERT INTO pipeline_stages (tenant_id, pipeline_id, name, position, probability, kind)
               SELECT p_tenant, p.id, v.name, v.position, v.probability, v.kind
               FROM p, (VALUES ('Qualification', 0, 10, 'open'), ('Needs analysis', 1, 25, 'open'),
                               ('Proposal', 2, 50, 'open'), ('Negotiation', 3, 75, 'open'),
                               ('Closed Won', 4, 100, 'won'), ('Closed Lost', 5, 0, 'lost'))
                    AS v (name, position, probability, kind)
               RETURNING 1)
    SELECT id FROM p WHERE (SELECT count(*) FROM s) = 6
$$;
GRANT EXECUTE ON FUNCTION create_default_pipeline(uuid) TO crm_platform;
SELECT create_default_pipeline(t.id) FROM tenants t
 WHERE NOT EXISTS (SELECT 1 FROM pipelines p WHERE p.tenant_id = t.id);
