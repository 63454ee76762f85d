-- clinic 0004: calendar feed tokens, one live token per practitioner (rotating revokes the old
-- one). Only a SHA-256 of each token is stored.
CREATE TABLE clinic_calendar_tokens (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    practitioner_id uuid NOT NULL,
    token_hash bytea NOT NULL CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, practitioner_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX clinic_calendar_one_live ON clinic_calendar_tokens (tenant_id, practitioner_id)
    WHERE revoked_at IS NULL;
ALTER TABLE clinic_calendar_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE clinic_calendar_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clinic_calendar_tokens
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
GRANT SELECT, INSERT, UPDATE ON clinic_calendar_tokens TO crm_app;
