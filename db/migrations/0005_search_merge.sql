-- 0005: search indexes (trigram for names, company, deal titles and phone fragments; prefix for
-- email) and the record of contact merges.
CREATE INDEX contacts_search_name ON contacts USING gin
    ((lower(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))) gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX contacts_search_company ON contacts USING gin (lower(company) gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX contacts_search_phone ON contacts USING gin (phone gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX contacts_search_email ON contacts (tenant_id, lower(email::text) text_pattern_ops)
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
