-- 0022_contact_types_subjects.sql - contact types become data that modules declare, and the
-- audit log's subject is whoever the module says is one.
--  - contact_types holds every declared type (crm_module_t.contact_types; `crm migrate` syncs
--    it from the code after the migrations, as it does roles) with its rules: sensitive (such
--    a contact is a subject: reading its record is audited and the audit row names it) and
--    sticky (a change to another type is refused; merges and imports keep it). contacts.type
--    references it instead of a CHECK naming the types. The constraint is added NOT VALID:
--    rows of a type a module declares are checked once that module's migration has inserted
--    its type and validated it (a fresh install has no contacts yet; an existing one has).
--  - audit_log.patient_id becomes subject_id: the contact whose personal record a row is
--    about. The chain's hash covers the row's values by position (audit_link), so rows written
--    before and after the rename verify alike.
--  - What named the type in SQL asks contact_types: the audit trigger, audit_read, the
--    audited pages (audit_page) and erasure's redaction row.
CREATE TABLE contact_types (
    name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    module text NOT NULL,
    plural text NOT NULL CHECK (plural ~ '^[a-z][a-z0-9_]{0,62}$'),
    sensitive boolean NOT NULL DEFAULT false,
    sticky boolean NOT NULL DEFAULT false
);
GRANT SELECT ON contact_types TO crm_app, crm_platform;
INSERT INTO contact_types (name, module, plural) VALUES ('lead', 'crm', 'leads'),
                                                        ('customer', 'crm', 'customers');
ALTER TABLE contacts DROP CONSTRAINT contacts_type_check,
    ADD CONSTRAINT contacts_type_fkey FOREIGN KEY (type) REFERENCES contact_types (name)
        NOT VALID;

ALTER TABLE audit_log RENAME COLUMN patient_id TO subject_id;
ALTER INDEX audit_log_patient RENAME TO audit_log_subject;
COMMENT ON COLUMN audit_log.subject_id IS
    'the contact whose personal record the row is about: one of a sensitive contact type';

-- As in 0008, the subject in the column's place: the same hashes.
CREATE OR REPLACE FUNCTION audit_link(prev bytea, l audit_log) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN sha256(prev || convert_to(jsonb_build_array(
        l.id, l.tenant_id, (extract(epoch FROM l.occurred_at) * 1000000)::bigint, l.actor_id,
        l.actor, l.action, l.entity_type, l.entity_id, l.subject_id, l.changes, l.request_id,
        l.client_ip, l.user_agent)::text, 'UTF8'));
END
$$;

-- As in 0017, with p_subject (a parameter's name changes only by dropping the function).
DROP FUNCTION audit_write(uuid, text, text, text, uuid, jsonb);
CREATE FUNCTION audit_write(p_tenant uuid, p_action text, p_entity_type text,
                            p_entity_id text, p_subject uuid, p_changes jsonb)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    l audit_log;
    key text := p_tenant::text;
    pending jsonb := coalesce(nullif(current_setting('audit.pending', true), ''), '{}')::jsonb;
    mine jsonb := pending -> key;
    lanes int;
    first int;
BEGIN
    IF mine IS NULL THEN -- the transaction's first row for this tenant: take a lane
        -- the lane's head is read after its lock is taken, which needs a snapshot newer than
        -- the lock: under REPEATABLE READ two writers would chain on the same head
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE EXCEPTION 'the audit log is written by read committed transactions only'
                USING ERRCODE = 'feature_not_supported';
        END IF;
        SELECT CASE WHEN s ~ '^[0-9]{1,2}$' THEN least(greatest(s::int, 1), 16) ELSE 1 END
          INTO lanes
          FROM (SELECT (SELECT t.settings ->> 'audit_lanes' FROM tenants t
                         WHERE t.id = p_tenant) AS s) x;
        first := pg_backend_pid() % lanes;
        IF lanes > 1 THEN -- the first free one from this backend's own, else wait for that
            FOR i IN 0 .. lanes - 1 LOOP
                IF pg_try_advisory_xact_lock(20747, audit_lane_key(p_tenant, (first + i) % lanes))
                THEN
                    l.lane := (first + i) % lanes;
                    EXIT;
                END IF;
            END LOOP;
        END IF;
        IF l.lane IS NULL THEN
            l.lane := first;
            PERFORM pg_advisory_xact_lock(20747, audit_lane_key(p_tenant, first));
        END IF;
        SELECT coalesce((SELECT h.head FROM audit_heads h
                          WHERE h.tenant_id = p_tenant AND h.lane = l.lane), audit_genesis())
          INTO l.prev_hash;
    ELSE -- the lane is held since then: it ends at this transaction's last row
        l.prev_hash := decode(mine ->> 2, 'hex');
        l.lane := (mine ->> 3)::smallint;
    END IF;
    l.tenant_id := p_tenant;
    l.id := nextval('audit_log_id_seq');
    l.occurred_at := clock_timestamp();
    l.actor_id := nullif(current_setting('app.user_id', true), '')::uuid;
    IF l.actor_id IS NULL THEN
        l.actor := coalesce(nullif(current_setting('app.actor', true), ''), session_user::text);
    END IF;
    l.action := p_action;
    l.entity_type := p_entity_type;
    l.entity_id := p_entity_id;
    l.subject_id := p_subject;
    l.changes := p_changes;
    l.request_id := nullif(current_setting('app.request_id', true), '');
    l.client_ip := nullif(current_setting('app.client_ip', true), '');
    l.user_agent := nullif(current_setting('app.user_agent', true), '');
    l.hash := audit_link(l.prev_hash, l);
    INSERT INTO audit_log OVERRIDING SYSTEM VALUE SELECT (l).*;
    -- an assignment, not PERFORM: evaluated as an expression, without a query of its own
    key := set_config('audit.pending', jsonb_set(pending, ARRAY[key], jsonb_build_array(
        l.id, coalesce((mine ->> 1)::bigint, 0) + 1, encode(l.hash, 'hex'), l.lane))::text,
        true);
END
$$;
REVOKE ALL ON FUNCTION audit_write(uuid, text, text, text, uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_write(uuid, text, text, text, uuid, jsonb) TO crm_audit_retention;

-- As in 0007: a read of a contact's data, logged when the contact is of a sensitive type (the
-- row's subject), or for any contact when the tenant's settings.audit_all_reads is true.
CREATE OR REPLACE FUNCTION audit_read(p_action text, p_entity_type text, p_entity_id text,
                                      p_contact uuid, p_detail jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    found boolean;
    subject boolean := false;
BEGIN
    IF p_action NOT IN ('read', 'search', 'export') THEN
        RAISE EXCEPTION 'audit_read takes read, search or export';
    END IF;
    IF p_contact IS NOT NULL THEN
        SELECT true, coalesce(t.sensitive, false) INTO found, subject
          FROM contacts c LEFT JOIN contact_types t ON t.name = c.type
         WHERE c.tenant_id = current_tenant_id() AND c.id = p_contact;
        IF found IS NULL OR (NOT subject AND NOT coalesce(
                (SELECT (t.settings ->> 'audit_all_reads')::boolean FROM tenants t
                  WHERE t.id = current_tenant_id()), false)) THEN
            RETURN;
        END IF;
    END IF;
    PERFORM audit_write(current_tenant_id(), p_action, p_entity_type, p_entity_id,
                        CASE WHEN subject THEN p_contact END, p_detail);
END
$$;

-- As in 0010: the row's subject is its contact (TG_ARGV[0] names the column holding it, 'id'
-- on contacts) when that contact is of a sensitive type.
CREATE OR REPLACE FUNCTION audit_capture() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    r jsonb := coalesce(n, o);
    secret text[] := ARRAY['password_hash', 'token_hash', 'secret', 'key_hash'];
    quiet text[] := ARRAY['updated_at', 'version', 'email_key', 'name_key'];
    act text := lower(TG_OP);
    diff jsonb;
    contact uuid;
    subject uuid;
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
            SELECT contact INTO subject FROM contact_types t
             WHERE t.name = r ->> 'type' AND t.sensitive;
        ELSIF contact IS NOT NULL THEN
            SELECT c.id INTO subject FROM contacts c JOIN contact_types t ON t.name = c.type
             WHERE c.tenant_id = (r ->> 'tenant_id')::uuid AND c.id = contact AND t.sensitive;
        END IF;
    END IF;
    PERFORM audit_write(CASE WHEN TG_TABLE_NAME = 'tenants' THEN (r ->> 'id')::uuid
                             ELSE (r ->> 'tenant_id')::uuid END,
                        act, TG_TABLE_NAME, coalesce(r ->> 'id', r ->> 'module'), subject, diff);
    RETURN NULL;
END
$$;

-- As in 0011: a page showing subjects is logged as one search row. Its changes list the
-- subjects it showed under the plural of their type, each sensitive type's key present (the
-- key the rows before this migration have, for the one type a module declares with that
-- plural); subject_id holds the subject when the page showed exactly one. With one sensitive
-- type declared, as today, every subject is of it and none is looked up.
DROP FUNCTION audit_page(text, jsonb, uuid[], int);
CREATE FUNCTION audit_page(p_entity_type text, p_query jsonb, p_subjects uuid[], p_shown int)
    RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    shown uuid[] := coalesce(p_subjects[1:p_shown], '{}');
    subjects uuid[] := ARRAY(SELECT DISTINCT x FROM unnest(shown) x WHERE x IS NOT NULL
                              ORDER BY 1);
BEGIN
    IF cardinality(subjects) = 0 AND NOT (cardinality(shown) > 0 AND coalesce(
            (SELECT (t.settings ->> 'audit_all_reads')::boolean FROM tenants t
              WHERE t.id = current_tenant_id()), false)) THEN
        RETURN true;
    END IF;
    -- the lists in the same statement as the write (a statement of its own costs 5 us more)
    PERFORM audit_write(current_tenant_id(), 'search', p_entity_type, NULL,
                        CASE WHEN cardinality(subjects) = 1 THEN subjects[1] END,
                        jsonb_build_object('query', p_query, 'records', cardinality(shown))
                        || coalesce((SELECT jsonb_object_agg(s.plural, to_jsonb(
                               CASE WHEN s.n = 1 THEN subjects ELSE ARRAY(
                                   SELECT c.id FROM contacts c
                                    WHERE c.tenant_id = current_tenant_id()
                                      AND c.id = ANY (subjects) AND c.type = s.name
                                    ORDER BY 1) END))
                               FROM (SELECT t.name, t.plural, count(*) OVER () AS n
                                       FROM contact_types t WHERE t.sensitive) s), '{}'));
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION audit_page(text, jsonb, uuid[], int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_page(text, jsonb, uuid[], int) TO crm_app;

-- As in 0021: the erase row of the redaction names the contact as its subject when it is one.
CREATE OR REPLACE FUNCTION audit_redact_contact(p_contact uuid) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    ids bigint[];
    subject uuid;
BEGIN
    PERFORM set_config('audit.redacting', 'on', true);
    WITH r AS (
        UPDATE audit_log l SET redacted_at = clock_timestamp(),
               changes = (SELECT coalesce(jsonb_object_agg(e.key, CASE
                              WHEN jsonb_typeof(e.value) = 'object'
                                   AND e.value ?| ARRAY['before', 'after']
                              THEN jsonb_build_object(
                                  'before', CASE WHEN coalesce(e.value -> 'before', 'null') = 'null'
                                                 THEN 'null'::jsonb ELSE '"[erased]"' END,
                                  'after', CASE WHEN coalesce(e.value -> 'after', 'null') = 'null'
                                                THEN 'null'::jsonb ELSE '"[erased]"' END)
                              ELSE e.value END), '{}')
                          FROM jsonb_each(l.changes) e)
         WHERE l.tenant_id = current_tenant_id() AND l.entity_type = 'contacts'
           AND l.entity_id = p_contact::text AND l.redacted_at IS NULL
           AND l.action IN ('create', 'update', 'delete', 'restore', 'merge')
           AND jsonb_typeof(l.changes) = 'object'
        RETURNING l.id)
    SELECT array_agg(r.id ORDER BY r.id) INTO ids FROM r;
    PERFORM set_config('audit.redacting', 'off', true);
    IF ids IS NOT NULL THEN
        SELECT c.id INTO subject FROM contacts c JOIN contact_types t ON t.name = c.type
         WHERE c.tenant_id = current_tenant_id() AND c.id = p_contact AND t.sensitive;
        PERFORM audit_write(current_tenant_id(), 'erase', 'audit_log', p_contact::text, subject,
                            jsonb_build_object('rows', to_jsonb(ids)));
    END IF;
    RETURN coalesce(array_length(ids, 1), 0);
END
$$;
