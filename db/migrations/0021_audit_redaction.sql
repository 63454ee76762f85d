-- 0021_audit_redaction.sql - erasure reaches the audit log's copies of a contact's data. The
-- log is append-only and hash-chained, so a row cannot simply be rewritten: erasing a contact
-- blanks the values in the before/after of its contacts rows (field names stay, as in the
-- erase row itself), marks them redacted_at, and writes one chained row, erase of audit_log,
-- listing their ids. audit_verify() checks a redacted row's place in its chain as before, and
-- instead of its content (which no longer hashes to its hash), that a later chained erase row
-- names it: marking a row redacted without that row, or editing the list, breaks the chain.
-- What a redacted row still says besides its values is no longer tamper-evident; nothing else
-- changes.
ALTER TABLE audit_log ADD COLUMN redacted_at timestamptz;

CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_log' AND current_user = 'crm_audit_retention'
       AND OLD.occurred_at < now() - make_interval(days => audit_retention_days(OLD.tenant_id))
    THEN
        RETURN OLD;
    END IF;
    -- audit_redact_contact(): only the values inside changes, once, keys and all else kept
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'audit_log'
       AND current_setting('audit.redacting', true) = 'on'
       AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
       AND to_jsonb(NEW) - 'changes' - 'redacted_at' = to_jsonb(OLD) - 'changes' - 'redacted_at'
       AND (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(NEW.changes) k)
           IS NOT DISTINCT FROM (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(OLD.changes) k)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE POLICY redaction ON audit_log FOR UPDATE TO CURRENT_USER
    USING (tenant_id = current_tenant_id());

-- Blanks the values of the current tenant's audit rows about contact p_contact (its changes'
-- before/after; null stays null) and records which rows it blanked. Returns how many.
CREATE FUNCTION audit_redact_contact(p_contact uuid) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    ids bigint[];
    patient uuid;
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
        SELECT c.id INTO patient FROM contacts c
         WHERE c.tenant_id = current_tenant_id() AND c.id = p_contact AND c.type = 'patient';
        PERFORM audit_write(current_tenant_id(), 'erase', 'audit_log', p_contact::text, patient,
                            jsonb_build_object('rows', to_jsonb(ids)));
    END IF;
    RETURN coalesce(array_length(ids, 1), 0);
END
$$;
REVOKE ALL ON FUNCTION audit_redact_contact(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_redact_contact(uuid) TO crm_app;

-- The chain check, as in 0017, with redacted rows checked as above.
CREATE OR REPLACE FUNCTION audit_verify(OUT ok boolean, OUT rows_checked bigint,
                                        OUT broken_id bigint, OUT broken_at timestamptz,
                                        OUT reason text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET work_mem = '64MB'
    AS $$
DECLARE
    t uuid := current_tenant_id();
    s record;
    bad_lane int; -- the lane holding the first broken row, and where it starts
    bad_start_id bigint;
    bad_start_hash bytea;
    last_row record;
    head_id bigint; -- the first lane that does not end where it should
    head_at timestamptz;
    head_why text;
BEGIN
    rows_checked := 0;
    FOR s IN
        WITH starts AS (SELECT DISTINCT ON (c.lane) c.lane, c.last_id, c.head, c.rows_total
                          FROM audit_checkpoints c WHERE c.tenant_id = t AND c.kind = 'purge'
                         ORDER BY c.lane, c.id DESC),
             rows AS (SELECT l.lane, l.id, l.prev_hash, l.hash,
                             CASE WHEN l.redacted_at IS NULL
                                  THEN l.hash IS DISTINCT FROM audit_link(l.prev_hash, l)
                                  ELSE NOT EXISTS (SELECT 1 FROM audit_log e
                                        WHERE e.tenant_id = t AND e.id > l.id
                                          AND e.action = 'erase' AND e.entity_type = 'audit_log'
                                          AND e.changes -> 'rows' @> to_jsonb(l.id))
                             END AS edited,
                             coalesce(st.head, audit_genesis()) AS start_hash
                        FROM audit_log l LEFT JOIN starts st ON st.lane = l.lane
                       WHERE l.tenant_id = t AND l.id > coalesce(st.last_id, 0)),
             checked AS (SELECT r.lane, r.id, r.edited OR r.prev_hash IS DISTINCT FROM
                                coalesce(lag(r.hash) OVER w, r.start_hash) AS broken
                           FROM rows r WINDOW w AS (PARTITION BY r.lane ORDER BY r.id)),
             per_lane AS (SELECT c.lane, count(*) AS n, min(c.id) AS first_id,
                                 min(c.id) FILTER (WHERE c.broken) AS first_broken
                            FROM checked c GROUP BY c.lane),
             heads AS (SELECT * FROM audit_heads h WHERE h.tenant_id = t)
        SELECT coalesce(p.lane, h.lane) AS lane, coalesce(p.n, 0) AS n, p.first_id,
               p.first_broken, h.lane IS NOT NULL AS has_head, h.last_id, h.last_at, h.head,
               h.rows_total, coalesce(st.last_id, 0) AS start_id,
               coalesce(st.head, audit_genesis()) AS start_hash,
               coalesce(st.rows_total, 0) AS start_rows
          FROM per_lane p FULL JOIN heads h ON h.lane = p.lane
          LEFT JOIN starts st ON st.lane = coalesce(p.lane, h.lane)
         ORDER BY 1
    LOOP
        rows_checked := rows_checked + s.n;
        IF s.first_broken < coalesce(broken_id, 9223372036854775807) THEN
            broken_id := s.first_broken;
            bad_lane := s.lane;
            bad_start_id := s.start_id;
            bad_start_hash := s.start_hash;
        END IF;
        CONTINUE WHEN head_id IS NOT NULL;
        IF NOT s.has_head THEN
            SELECT s.first_id, l.occurred_at,
                   'the row is in a chain the log never started: rows were inserted'
              INTO head_id, head_at, head_why
              FROM audit_log l WHERE l.tenant_id = t AND l.id = s.first_id;
            CONTINUE;
        END IF;
        SELECT l.id, l.hash INTO last_row FROM audit_log l
         WHERE l.tenant_id = t AND l.lane = s.lane AND l.id > s.start_id
         ORDER BY l.id DESC LIMIT 1;
        IF s.last_id IS DISTINCT FROM coalesce(last_row.id, s.start_id)
           OR s.head IS DISTINCT FROM coalesce(last_row.hash, s.start_hash)
           OR s.rows_total <> s.start_rows + s.n THEN
            head_id := s.last_id;
            head_at := s.last_at;
            head_why := 'the chain does not end at its recorded head: newest rows were removed';
        END IF;
    END LOOP;
    IF broken_id IS NOT NULL THEN
        SELECT l.occurred_at,
               CASE WHEN l.prev_hash IS DISTINCT FROM coalesce(
                        (SELECT p.hash FROM audit_log p WHERE p.tenant_id = t
                            AND p.lane = bad_lane AND p.id > bad_start_id AND p.id < l.id
                          ORDER BY p.id DESC LIMIT 1),
                        bad_start_hash)
                    THEN 'the row does not follow the row before it: a row was removed,'
                         ' inserted or reordered'
                    ELSE 'the row''s content or hash was changed' END
          INTO broken_at, reason
          FROM audit_log l WHERE l.tenant_id = t AND l.id = broken_id;
        ok := false;
    ELSIF head_id IS NOT NULL THEN
        ok := false;
        broken_id := head_id;
        broken_at := head_at;
        reason := head_why;
    ELSE
        ok := true;
    END IF;
END
$$;
