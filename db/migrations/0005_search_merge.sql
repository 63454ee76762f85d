-- 0005: search indexes and the record of contact merges.
--
-- Names: a GiST trigram index led by the tenant, so "closest names first" is an index-ordered
-- scan (KNN) inside one tenant. Company, email and phone: GIN trigram indexes, for
-- similarity, prefixes and any fragment. Deal titles: GIN trigram.
CREATE INDEX contacts_search_name ON contacts USING gist
    (tenant_id, (lower(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))) gist_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX contacts_search_company ON contacts USING gin (lower(company) gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX contacts_search_email ON contacts USING gin (lower(email::text) gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX contacts_search_phone ON contacts USING gin (phone gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX deals_search_title ON deals USING gin (lower(title) gin_trgm_ops)
    WHERE deleted_at IS NULL;

-- Each merge: which contact survived, which one became its tombstone, what moved.
CREATE TABLE contact_merges (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    survivor_id uuid NOT NULL,
    source_id uuid NOT NULL,
    merged_at timestamptz NOT NULL DEFAULT now(),
    merged_by uuid,
    moved jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, survivor_id) REFERENCES contacts (tenant_id, id),
    FOREIGN KEY (tenant_id, source_id) REFERENCES contacts (tenant_id, id),
    FOREIGN KEY (tenant_id, merged_by) REFERENCES users (tenant_id, id)
);
ALTER TABLE contact_merges ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_merges FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contact_merges
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
GRANT SELECT, INSERT ON contact_merges TO crm_app;

-- Admins enable and disable industry modules for their own tenant.
GRANT INSERT, DELETE ON tenant_modules TO crm_app;
