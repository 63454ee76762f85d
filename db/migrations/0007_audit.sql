-- core 0007: the audit log. Every change to tenant data writes a row in the same transaction,
-- through audit_capture() triggers; the app roles may read their tenant's rows and nothing
-- else: no INSERT, UPDATE, DELETE or TRUNCATE (rows come only from the owner-run trigger), and
-- a trigger refuses UPDATE and DELETE for everyone.
CREATE TABLE audit_log (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_id uuid,
    actor text, -- who, when not a user: 'platform', 'system', the CLI
    action text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore', 'merge',
                                           'erase', 'read', 'search', 'export', 'security')),
    entity_type text NOT NULL,
    entity_id text,
    patient_id uuid,
    changes jsonb,
    request_id text,
    client_ip text,
    user_agent text,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_entity ON audit_log (tenant_id, entity_type, entity_id, id);
CREATE INDEX audit_log_patient ON audit_log (tenant_id, patient_id, id)
    WHERE patient_id IS NOT NULL;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log FOR SELECT USING (tenant_id = current_tenant_id());
-- only the owner holds INSERT (the trigger runs as it); the policy just lets it through
CREATE POLICY owner_insert ON audit_log FOR INSERT WITH CHECK (true);
REVOKE ALL ON audit_log FROM PUBLIC;
GRANT SELECT ON audit_log TO crm_app;

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Writes one row, with who and from where taken from the transaction's settings (the db
-- layer sets them for every request). Runs as the owner: the only way rows get in.
CREATE FUNCTION audit_write(p_tenant uuid, p_action text, p_entity_type text, p_entity_id text,
                            p_patient uuid, p_changes jsonb) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    INSERT INTO audit_log (tenant_id, actor_id, actor, action, entity_type, entity_id,
                           patient_id, changes, request_id, client_ip, user_agent)
    SELECT p_tenant, u.id,
           CASE WHEN u.id IS NULL THEN coalesce(nullif(current_setting('app.actor', true), ''),
                                                session_user::text) END,
           p_action, p_entity_type, p_entity_id, p_patient, p_changes,
           nullif(current_setting('app.request_id', true), ''),
           nullif(current_setting('app.client_ip', true), ''),
           nullif(current_setting('app.user_agent', true), '')
      FROM (SELECT nullif(current_setting('app.user_id', true), '')::uuid AS id) u
$$;
REVOKE ALL ON FUNCTION audit_write(uuid, text, text, text, uuid, jsonb) FROM PUBLIC;

-- A read of a contact's data (action read, search or export; p_detail says what view or
-- query). Logged when the contact is a patient, or for any contact when the tenant's
-- settings.audit_all_reads is true; nothing when there is no such contact. p_contact NULL:
-- a search or export not about one contact, always logged.
CREATE FUNCTION audit_read(p_action text, p_entity_type text, p_entity_id text,
                           p_contact uuid, p_detail jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    kind text;
BEGIN
    IF p_action NOT IN ('read', 'search', 'export') THEN
        RAISE EXCEPTION 'audit_read takes read, search or export';
    END IF;
    IF p_contact IS NOT NULL THEN
        SELECT c.type INTO kind FROM contacts c
         WHERE c.tenant_id = current_tenant_id() AND c.id = p_contact;
        IF kind IS NULL OR (kind <> 'patient' AND NOT coalesce(
                (SELECT (t.settings ->> 'audit_all_reads')::boolean FROM tenants t
                  WHERE t.id = current_tenant_id()), false)) THEN
            RETURN;
        END IF;
    END IF;
    PERFORM audit_write(current_tenant_id(), p_action, p_entity_type, p_entity_id,
                        CASE WHEN kind = 'patient' THEN p_contact END, p_detail);
END
$$;
REVOKE ALL ON FUNCTION audit_read(text, text, text, uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_read(text, text, text, uuid, jsonb) TO crm_app;

-- The change trigger. TG_ARGV[0], if given, names the column holding the contact the row
-- belongs to ('id' on contacts); the row is a patient's when that contact is a patient.
-- Updates record only the fields that changed (bookkeeping columns left out); secret columns
-- are masked, and an erasure records which fields it cleared, not their values. An update that sets deleted_at, erased_at or merged_into, or clears deleted_at,
-- is recorded as delete, erase, merge or restore.
CREATE FUNCTION audit_capture() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    r jsonb := coalesce(n, o);
    secret text[] := ARRAY['password_hash', 'token_hash', 'secret', 'key_hash'];
    quiet text[] := ARRAY['updated_at', 'version'];
    act text := lower(TG_OP);
    diff jsonb;
    contact uuid;
    patient uuid;
BEGIN
    IF TG_OP = 'INSERT' THEN
        act := 'create';
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT jsonb_object_agg(e.key, CASE WHEN e.key = ANY (secret)
                   THEN '{"before": "[masked]", "after": "[masked]"}'::jsonb
                   ELSE jsonb_build_object('before', o -> e.key, 'after', e.value) END)
          INTO diff
          FROM jsonb_each(n) e
         WHERE e.value IS DISTINCT FROM o -> e.key AND NOT e.key = ANY (quiet);
        IF diff IS NULL THEN
            RETURN NULL;
        END IF;
        act := CASE WHEN diff ? 'erased_at' AND n ->> 'erased_at' IS NOT NULL THEN 'erase'
                    WHEN diff ? 'merged_into' AND n ->> 'merged_into' IS NOT NULL THEN 'merge'
                    WHEN diff ? 'deleted_at' AND n ->> 'deleted_at' IS NOT NULL THEN 'delete'
                    WHEN diff ? 'deleted_at' THEN 'restore'
                    ELSE 'update' END;
        IF act = 'erase' THEN -- which fields were erased, never their values
            SELECT jsonb_object_agg(key, '{"before": "[erased]", "after": null}'::jsonb)
              INTO diff FROM jsonb_each(diff);
        END IF;
    END IF;
    IF TG_NARGS > 0 THEN
        contact := (r ->> TG_ARGV[0])::uuid;
        IF TG_TABLE_NAME = 'contacts' THEN
            patient := CASE WHEN r ->> 'type' = 'patient' THEN contact END;
        ELSIF contact IS NOT NULL THEN
            SELECT c.id INTO patient FROM contacts c
             WHERE c.tenant_id = (r ->> 'tenant_id')::uuid AND c.id = contact
               AND c.type = 'patient';
        END IF;
    END IF;
    PERFORM audit_write(CASE WHEN TG_TABLE_NAME = 'tenants' THEN (r ->> 'id')::uuid
                             ELSE (r ->> 'tenant_id')::uuid END,
                        act, TG_TABLE_NAME, coalesce(r ->> 'id', r ->> 'module'), patient, diff);
    RETURN NULL;
END
$$;

-- Puts the audit trigger on a table; contact_column as for audit_capture(). Modules call it
-- from their migrations for each of their tenant tables.
CREATE FUNCTION audit_attach(tbl regclass, contact_column text DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON %s'
                   ' FOR EACH ROW EXECUTE FUNCTION audit_capture(%s)',
                   tbl, coalesce(quote_literal(contact_column), ''));
END
$$;

SELECT audit_attach('tenants');
SELECT audit_attach('tenant_modules');
SELECT audit_attach('users');
SELECT audit_attach('custom_fields');
SELECT audit_attach('contacts', 'id');
SELECT audit_attach('pipelines');
SELECT audit_attach('pipeline_stages');
SELECT audit_attach('deals', 'contact_id');
SELECT audit_attach('activities', 'contact_id');
SELECT audit_attach('contact_merges', 'survivor_id');
