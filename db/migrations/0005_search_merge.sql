-- 0005: the search index and the record of contact merges.
--
-- Search needs trigram conditions (similar to, starts with, contains), and PostgreSQL will not
-- evaluate them through an index before a row-level security policy, because pg_trgm's
-- operators and LIKE are not leakproof (docs/search.md). So the searchable text lives in
-- search_entries, a copy kept by triggers, which the app role cannot read: its only door is
-- search_candidates(), which filters on the caller's tenant itself. RLS is enabled on the
-- table (not forced, so the owning functions can use its indexes) and denies everyone else.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE TABLE search_entries (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    kind text NOT NULL CHECK (kind IN ('contact', 'deal')),
    id uuid NOT NULL,
    name text NOT NULL DEFAULT '',
    company text NOT NULL DEFAULT '',
    email text NOT NULL DEFAULT '',
    phone text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, kind, id)
);
CREATE INDEX search_entries_name ON search_entries USING gin (tenant_id, name gin_trgm_ops);
CREATE INDEX search_entries_company ON search_entries USING gin (tenant_id, company gin_trgm_ops)
    WHERE company <> '';
CREATE INDEX search_entries_email ON search_entries USING gin (tenant_id, email gin_trgm_ops)
    WHERE email <> '';
CREATE INDEX search_entries_phone ON search_entries USING gin (tenant_id, phone gin_trgm_ops)
    WHERE phone <> '';
ALTER TABLE search_entries ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON search_entries
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
REVOKE ALL ON search_entries FROM PUBLIC;

-- Keeps search_entries equal to the live contacts and deals.
CREATE FUNCTION search_entries_sync() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    k text := CASE TG_TABLE_NAME WHEN 'contacts' THEN 'contact' ELSE 'deal' END;
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM search_entries WHERE tenant_id = OLD.tenant_id AND kind = k AND id = OLD.id;
        RETURN NULL;
    END IF;
    IF NEW.deleted_at IS NOT NULL THEN
        DELETE FROM search_entries WHERE tenant_id = NEW.tenant_id AND kind = k AND id = NEW.id;
        RETURN NULL;
    END IF;
    IF k = 'contact' THEN
        INSERT INTO search_entries (tenant_id, kind, id, name, company, email, phone)
        VALUES (NEW.tenant_id, k, NEW.id,
                lower(coalesce(NEW.first_name, '') || ' ' || coalesce(NEW.last_name, '')),
                lower(coalesce(NEW.company, '')), lower(coalesce(NEW.email::text, '')),
                coalesce(NEW.phone, ''))
        ON CONFLICT (tenant_id, kind, id) DO UPDATE SET name = EXCLUDED.name,
            company = EXCLUDED.company, email = EXCLUDED.email, phone = EXCLUDED.phone;
    ELSE
        INSERT INTO search_entries (tenant_id, kind, id, name)
        VALUES (NEW.tenant_id, k, NEW.id, lower(NEW.title))
        ON CONFLICT (tenant_id, kind, id) DO UPDATE SET name = EXCLUDED.name;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_search AFTER INSERT OR UPDATE OR DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION search_entries_sync();
CREATE TRIGGER deals_search AFTER INSERT OR UPDATE OR DELETE ON deals
    FOR EACH ROW EXECUTE FUNCTION search_entries_sync();
INSERT INTO search_entries (tenant_id, kind, id, name, company, email, phone)
SELECT tenant_id, 'contact', id,
       lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '')),
       lower(coalesce(company, '')), lower(coalesce(email::text, '')), coalesce(phone, '')
  FROM contacts WHERE deleted_at IS NULL;
INSERT INTO search_entries (tenant_id, kind, id, name)
SELECT tenant_id, 'deal', id, lower(title) FROM deals WHERE deleted_at IS NULL;

-- The caller's tenant's best candidates for q (lower case) and its digits: similar or
-- starting names and companies, emails starting with q, phones holding the digits. Planned
-- for the actual values (dynamic SQL), so the trigram indexes serve every arm.
CREATE FUNCTION search_candidates(q text, digits text, n integer)
    RETURNS TABLE (kind text, id uuid, score real)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
    t uuid := current_tenant_id();
BEGIN
    IF t IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $q$
        SELECT s.kind, s.id, greatest(similarity(s.name, $2), similarity(s.company, $2),
               CASE WHEN s.name LIKE $2 || '%' THEN 1 ELSE 0 END,
               CASE WHEN s.email LIKE $2 || '%' THEN 0.9 ELSE 0 END,
               CASE WHEN length($3) >= 3 AND s.phone LIKE '%' || $3 || '%' THEN 0.8 ELSE 0 END)::real
          FROM search_entries s
         WHERE s.tenant_id = $1
           AND (s.name % $2 OR s.name LIKE $2 || '%'
                OR (s.company <> '' AND s.company % $2)
                OR (s.email <> '' AND s.email LIKE $2 || '%')
                OR (length($3) >= 3 AND s.phone <> '' AND s.phone LIKE '%' || $3 || '%'))
         ORDER BY 3 DESC LIMIT $4 $q$
        USING t, q, coalesce(digits, ''), n;
END
$$;
REVOKE ALL ON FUNCTION search_candidates(text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_candidates(text, text, integer) TO crm_app;

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
