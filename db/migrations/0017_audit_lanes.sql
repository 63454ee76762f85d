-- core 0017: audit lanes. A tenant's log may form several independent hash chains ("lanes",
-- settings.audit_lanes, 1 to 16, default 1) so that its writers need not all queue for one
-- chain lock: measured under 64 connections into one tenant (docs/performance.md), a single
-- chain admits one commit at a time and left 8-14 % of the two cores idle. A transaction
-- appends to the first free lane it finds (trying from its backend's own), each lane is
-- verified like the single chain was, and the lane-0 chain of a one-lane tenant is exactly
-- the chain of 0008: nothing changes for tenants that do not ask for lanes.
--  - audit_log.lane, audit_heads (tenant_id, lane), audit_checkpoints.lane (0 for all rows
--    so far, which formed one chain).
--  - The previous hash comes from the lane's head in audit_heads (a primary-key probe; the
--    head moves at every commit under the lane's lock), not from the newest row of the
--    tenant, which with lanes may be another lane's.
--  - audit.pending holds {"tenant": [last_id, rows_since_head_advanced, last_hash_hex, lane]}.
ALTER TABLE audit_log ADD COLUMN lane smallint NOT NULL DEFAULT 0;
ALTER TABLE audit_heads ADD COLUMN lane smallint NOT NULL DEFAULT 0;
ALTER TABLE audit_heads DROP CONSTRAINT audit_heads_pkey;
ALTER TABLE audit_heads ADD PRIMARY KEY (tenant_id, lane);
ALTER TABLE audit_checkpoints ADD COLUMN lane smallint NOT NULL DEFAULT 0;

-- The lock of one lane of a tenant's log (lane 0's key is that of the single chain before).
CREATE FUNCTION audit_lane_key(p_tenant uuid, p_lane int) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT hashtext(p_tenant::text) # p_lane $$;

-- All of a tenant's lanes, in lane order (so that two purges cannot deadlock): the tenant's
-- log stands still until commit.
CREATE OR REPLACE FUNCTION audit_chain_lock(p_tenant uuid) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(20747, audit_lane_key(p_tenant, k))
       FROM generate_series(0, 15) k ORDER BY k;
END
$$;

CREATE OR REPLACE FUNCTION audit_write(p_tenant uuid, p_action text, p_entity_type text,
                                       p_entity_id text, p_patient uuid, p_changes jsonb)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
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
    l.patient_id := p_patient;
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

CREATE OR REPLACE FUNCTION audit_advance_head() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    key text := NEW.tenant_id::text;
    pending jsonb := nullif(current_setting('audit.pending', true), '')::jsonb;
    mine jsonb := pending -> key;
BEGIN
    IF mine IS NULL OR (mine ->> 0)::bigint <> NEW.id OR (mine ->> 1)::bigint = 0 THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_heads AS h (tenant_id, lane, last_id, last_at, head, rows_total)
    VALUES (NEW.tenant_id, NEW.lane, NEW.id, NEW.occurred_at, NEW.hash, (mine ->> 1)::bigint)
    ON CONFLICT (tenant_id, lane) DO UPDATE
       SET last_id = EXCLUDED.last_id, last_at = EXCLUDED.last_at, head = EXCLUDED.head,
           rows_total = h.rows_total + EXCLUDED.rows_total;
    key := set_config('audit.pending', jsonb_set(pending, ARRAY[key, '1'], '0')::text, true);
    RETURN NULL;
END
$$;

-- Walks each of the current tenant's lanes from its last purge checkpoint (or the start) and
-- returns the first row, in id order, that does not check out: its hash is not that of its
-- content and the hash before it (an edit), or its prev_hash is not the hash of the lane's
-- row before it (a row removed, inserted or reordered); failing that, the first lane that
-- does not end at its recorded head (newest rows removed) or that the log never started
-- (rows inserted). The content is checked before the rows are sorted into lanes, so that
-- the sort carries ids and hashes only.
CREATE OR REPLACE FUNCTION audit_verify(OUT ok boolean, OUT rows_checked bigint,
                                        OUT broken_id bigint, OUT broken_at timestamptz,
                                        OUT reason text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public SET work_mem = '64MB'
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
                             l.hash IS DISTINCT FROM audit_link(l.prev_hash, l) AS edited,
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

-- The current tenant's heads, for a signed checkpoint: the newest lane's (the whole chain's
-- for a one-lane tenant), the rows ever chained in all lanes, and each lane's.
DROP FUNCTION audit_head();
CREATE FUNCTION audit_head(OUT last_id bigint, OUT last_at timestamptz, OUT head text,
                           OUT rows_total bigint, OUT lanes jsonb)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT coalesce(n.last_id, 0), n.last_at, encode(coalesce(n.head, audit_genesis()), 'hex'),
           coalesce((SELECT sum(h.rows_total) FROM audit_heads h
                      WHERE h.tenant_id = current_tenant_id()), 0)::bigint,
           coalesce((SELECT jsonb_agg(jsonb_build_object('lane', h.lane,
                                                         'last_id', h.last_id::text,
                                                         'last_at', h.last_at,
                                                         'head', encode(h.head, 'hex'))
                                      ORDER BY h.lane)
                       FROM audit_heads h WHERE h.tenant_id = current_tenant_id()), '[]')
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (SELECT * FROM audit_heads h WHERE h.tenant_id = current_tenant_id()
                          ORDER BY h.last_id DESC LIMIT 1) n ON true
$$;
REVOKE ALL ON FUNCTION audit_head() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_head() TO crm_app;

-- A checkpoint's lanes ([{"last_id", "last_at", "head"}, ...]) each still held (see
-- audit_check_checkpoint); the first that is not, with why.
CREATE FUNCTION audit_check_checkpoints(p_lanes jsonb, OUT ok boolean, OUT reason text,
                                        OUT last_id text, OUT last_at text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
    e jsonb;
BEGIN
    ok := true;
    FOR e IN SELECT jsonb_array_elements(p_lanes) LOOP
        SELECT c.ok, c.reason INTO ok, reason
          FROM audit_check_checkpoint((e ->> 'last_id')::bigint, decode(e ->> 'head', 'hex')) c;
        IF NOT ok THEN
            last_id := e ->> 'last_id';
            last_at := e ->> 'last_at';
            RETURN;
        END IF;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION audit_check_checkpoints(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_check_checkpoints(jsonb) TO crm_app;

-- As in 0008, with a checkpoint per lane the purge reached: the lane's last removed row and
-- the lane's row count so far.
CREATE OR REPLACE FUNCTION audit_purge(p_tenant uuid) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    cutoff timestamptz := now() - make_interval(days => audit_retention_days(p_tenant));
    last audit_log;
    n bigint;
BEGIN
    PERFORM audit_chain_lock(p_tenant);
    -- the oldest rows up to the first one still kept (ids follow time within a tenant, but
    -- a clock step back must not make the purge cut into kept rows)
    SELECT * INTO last FROM audit_log
     WHERE tenant_id = p_tenant AND occurred_at < cutoff
       AND id < coalesce((SELECT min(k.id) FROM audit_log k
                           WHERE k.tenant_id = p_tenant AND k.occurred_at >= cutoff),
                         9223372036854775807)
     ORDER BY id DESC LIMIT 1;
    IF last.id IS NULL THEN
        RETURN 0;
    END IF;
    WITH gone AS (DELETE FROM audit_log WHERE tenant_id = p_tenant AND id <= last.id
                  RETURNING lane, id, occurred_at, hash),
         per_lane AS (SELECT DISTINCT ON (g.lane) g.lane, g.id, g.occurred_at, g.hash,
                             count(*) OVER (PARTITION BY g.lane) AS purged
                        FROM gone g ORDER BY g.lane, g.id DESC),
         marks AS (INSERT INTO audit_checkpoints (tenant_id, lane, kind, last_id, last_at, head,
                                                  rows_total, rows_purged)
                   SELECT p_tenant, p.lane, 'purge', p.id, p.occurred_at, p.hash,
                          coalesce((SELECT c.rows_total FROM audit_checkpoints c
                                     WHERE c.tenant_id = p_tenant AND c.lane = p.lane
                                     ORDER BY c.id DESC LIMIT 1), 0) + p.purged, p.purged
                     FROM per_lane p
                   RETURNING rows_purged)
    SELECT sum(rows_purged) INTO n FROM marks;
    PERFORM audit_write(p_tenant, 'delete', 'audit_log', NULL, NULL,
                        jsonb_build_object('purged', n, 'up_to_id', last.id::text,
                                           'older_than', cutoff));
    RETURN n;
END
$$;
