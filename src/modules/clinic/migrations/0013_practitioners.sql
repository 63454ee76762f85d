-- clinic 0013: who is a practitioner is the clinic's to know, in a table of its own rather
-- than a column of the core's users. A row names a user (its id) who sees patients and has
-- a schedule; the user body's is_practitioner field shows it (the clinic's user hooks).
CREATE TABLE clinic_practitioners (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL, -- the user's id: a practitioner is a user
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, id) REFERENCES users (tenant_id, id)
);
INSERT INTO clinic_practitioners (tenant_id, id, created_at)
SELECT tenant_id, id, created_at FROM users WHERE is_practitioner;
ALTER TABLE clinic_practitioners ENABLE ROW LEVEL SECURITY;
ALTER TABLE clinic_practitioners FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clinic_practitioners
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
GRANT SELECT, INSERT, DELETE ON clinic_practitioners TO crm_app;
SELECT audit_attach('clinic_practitioners');

ALTER TABLE users DROP COLUMN is_practitioner;
