-- 0019_idempotency_per_user.sql - an Idempotency-Key belongs to the user who sent it: another
-- user of the tenant who happens to send the same key gets their own answer, never the first
-- user's (which may hold what they may not read). Keys live 24 hours: older ones are never
-- replayed, and each create that carries a key removes up to 100 of its tenant's expired
-- ones. The replay cache is emptied once here (at most a day of replays is lost).
TRUNCATE idempotency_keys;
ALTER TABLE idempotency_keys
    ADD COLUMN user_id uuid NOT NULL DEFAULT nullif(current_setting('app.user_id', true), '')::uuid;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey,
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (tenant_id, user_id, route, key);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (tenant_id, created_at);
GRANT DELETE ON idempotency_keys TO crm_app;
