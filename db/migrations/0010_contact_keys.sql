-- core 0010: the contact duplicate checks by index under row-level security. citext equality
-- and lower() are not LEAKPROOF, so under forced RLS PostgreSQL applies them only after the
-- tenant filter: the email and the name-and-birth-date checks read every contact of the tenant
-- (26 ms at 30,000 contacts, growing with the tenant). Stored lower-case keys compared with
-- text and date equality, which are leakproof, are index conditions.
ALTER TABLE contacts
    ADD COLUMN email_key text GENERATED ALWAYS AS (lower(email::text)) STORED,
    ADD COLUMN name_key text
        GENERATED ALWAYS AS (lower(coalesce(last_name, '')) || '|' || lower(coalesce(first_name, '')))
        STORED;
DROP INDEX contacts_email;
DROP INDEX contacts_name_dob;
CREATE INDEX contacts_email_key ON contacts (tenant_id, email_key)
    WHERE deleted_at IS NULL AND merged_into IS NULL;
CREATE INDEX contacts_dob_name_key ON contacts (tenant_id, date_of_birth, name_key)
    WHERE deleted_at IS NULL AND merged_into IS NULL;

-- The keys are derived from audited columns: the audit trigger leaves them out of `changes`
-- like the other bookkeeping columns (the function is otherwise that of 0007).
CREATE OR REPLACE FUNCTION audit_capture() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    r jsonb := coalesce(n, o);
    secret text[] := ARRAY['password_hash', 'token_hash', 'secret', 'key_hash'];
    quiet text[] := ARRAY['updated_at', 'version', 'email_key', 'name_key'];
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
