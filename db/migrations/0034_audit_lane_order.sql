-- core 0034: a lane's order is its own count, not the row id. Ids come from the sequence of
-- the node that writes the row: on one PostgreSQL they follow commit order, but on a Citus
-- cluster each node draws from its own range, so a tenant whose shards move to another node
-- (a rebalance, isolate_tenant_to_new_shard) goes on with ids lower than its last ones, and a
-- chain walked by id would break there. docs/scaling.md.
--  - audit_log.seq: the row's place in its lane, one more than the row before it, counted
--    from the lane's head (audit_heads.last_seq) under the lane's lock. Rows written before
--    this migration keep seq NULL and their place is their id; the heads' last_seq starts at
--    their last id, so a lane's new rows come after all its old ones. No row is rewritten.
--  - audit_checkpoints.last_seq: the place of the last purged row (NULL for older
--    checkpoints, whose last_id is that place).
--  - The hash is unchanged: seq orders the walk, and a reordered row fails its prev_hash.
SELECT citus_ddl_settings();

ALTER TABLE audit_log ADD COLUMN seq bigint;
ALTER TABLE audit_heads ADD COLUMN last_seq bigint;
UPDATE audit_heads SET last_seq = last_id;
ALTER TABLE audit_heads ALTER COLUMN last_seq SET NOT NULL;
ALTER TABLE audit_checkpoints ADD COLUMN last_seq bigint;

-- A row's place in its lane.
CREATE FUNCTION audit_place(p_seq bigint, p_id bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(p_seq, p_id) $$;

-- As in 0031, with the row's seq; audit.pending holds
-- {"tenant": [last_id, rows_since_head_advanced, last_hash_hex, lane, last_seq]}.
CREATE OR REPLACE FUNCTION audit_write(p_tenant uuid, p_action text, p_entity_type text,
                                       p_entity_id text, p_subject uuid, p_changes jsonb)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $$
DECLARE
    l audit_log;
    key text := p_tenant::text;
    pending jsonb := coalesce(nullif(current_setting('audit.pending', true), ''), '{}')::jsonb;
    mine jsonb := pending -> key;
    lanes int;
    first int;
    head_seq bigint;
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
        SELECT h.head, h.last_seq INTO l.prev_hash, head_seq
          FROM audit_heads h WHERE h.tenant_id = p_tenant AND h.lane = l.lane;
        l.prev_hash := coalesce(l.prev_hash, audit_genesis());
        l.seq := coalesce(head_seq, 0) + 1;
    ELSE -- the lane is held since then: it ends at this transaction's last row
        l.prev_hash := decode(mine ->> 2, 'hex');
        l.lane := (mine ->> 3)::smallint;
        l.seq := (mine ->> 4)::bigint + 1;
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
    INSERT INTO audit_log (tenant_id, id, occurred_at, actor_id, actor, action, entity_type,
                           entity_id, subject_id, changes, request_id, client_ip, user_agent,
                           prev_hash, hash, lane, seq)
    OVERRIDING SYSTEM VALUE
    VALUES (l.tenant_id, l.id, l.occurred_at, l.actor_id, l.actor, l.action, l.entity_type,
            l.entity_id, l.subject_id, l.changes, l.request_id, l.client_ip, l.user_agent,
            l.prev_hash, l.hash, l.lane, l.seq);
    -- an assignment, not PERFORM: evaluated as an expression, without a query of its own
    key := set_config('audit.pending', jsonb_set(pending, ARRAY[key], jsonb_build_array(
        l.id, coalesce((mine ->> 1)::bigint, 0) + 1, encode(l.hash, 'hex'), l.lane, l.seq))::text,
        true);
END
$$;

-- As in 0017, the head's place too.
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
    INSERT INTO audit_heads AS h (tenant_id, lane, last_id, last_at, head, rows_total, last_seq)
    VALUES (NEW.tenant_id, NEW.lane, NEW.id, NEW.occurred_at, NEW.hash, (mine ->> 1)::bigint,
            audit_place(NEW.seq, NEW.id))
    ON CONFLICT (tenant_id, lane) DO UPDATE
       SET last_id = EXCLUDED.last_id, last_at = EXCLUDED.last_at, head = EXCLUDED.head,
           rows_total = h.rows_total + EXCLUDED.rows_total, last_seq = EXCLUDED.last_seq;
    key := set_config('audit.pending', jsonb_set(pending, ARRAY[key, '1'], '0')::text, true);
    RETURN NULL;
END
$$;

-- As in 0031, each lane walked in the order of its places (audit_place), from the place of
-- its last purge checkpoint. Of the lanes' first broken rows, the one written first is named.
CREATE OR REPLACE FUNCTION audit_verify(OUT ok boolean, OUT rows_checked bigint,
                                        OUT broken_id bigint, OUT broken_at timestamptz,
                                        OUT reason text)
 RETURNS record
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
 SET work_mem TO '64MB'
AS $$
DECLARE
    t uuid := current_tenant_id();
    s record;
    bad record; -- the first broken row of a lane
    bad_lane int; -- the lane holding the first broken row, and where it starts
    bad_place bigint;
    bad_start bigint;
    bad_start_hash bytea;
    head_id bigint; -- the first lane that does not end where it should
    head_at timestamptz;
    head_why text;
BEGIN
    rows_checked := 0;
    FOR s IN
        WITH starts AS (SELECT DISTINCT ON (c.lane) c.lane, c.last_id,
                               audit_place(c.last_seq, c.last_id) AS place, c.head, c.rows_total
                          FROM audit_checkpoints c WHERE c.tenant_id = t AND c.kind = 'purge'
                         ORDER BY c.lane, c.id DESC),
             rows AS (SELECT l.lane, l.id, audit_place(l.seq, l.id) AS place, l.prev_hash,
                             l.hash,
                             CASE WHEN l.redacted_at IS NULL
                                  THEN l.hash IS DISTINCT FROM audit_link_of(
                                      l.prev_hash, l.id, l.tenant_id, l.occurred_at,
                                      l.actor_id, l.actor, l.action, l.entity_type, l.entity_id,
                                      l.subject_id, l.changes, l.request_id, l.client_ip,
                                      l.user_agent)
                                  ELSE NOT EXISTS (SELECT 1 FROM audit_log e
                                        WHERE e.tenant_id = t AND e.id <> l.id
                                          AND e.action = 'erase' AND e.entity_type = 'audit_log'
                                          AND e.changes -> 'rows' @> to_jsonb(l.id))
                             END AS edited,
                             coalesce(st.head, audit_genesis()) AS start_hash
                        FROM audit_log l LEFT JOIN starts st ON st.lane = l.lane
                       WHERE l.tenant_id = t
                         AND audit_place(l.seq, l.id) > coalesce(st.place, 0)),
             checked AS (SELECT r.lane, r.id, r.place, r.hash,
                                r.edited OR r.prev_hash IS DISTINCT FROM
                                coalesce(lag(r.hash) OVER w, r.start_hash) AS broken,
                                first_value(r.id) OVER w AS first_id,
                                lead(r.id) OVER w IS NULL AS is_last
                           FROM rows r WINDOW w AS (PARTITION BY r.lane ORDER BY r.place)),
             per_lane AS (SELECT c.lane, count(*) AS n, min(c.first_id) AS first_id,
                                 min(c.place) FILTER (WHERE c.broken) AS first_broken,
                                 min(c.id) FILTER (WHERE c.is_last) AS last_row_id,
                                 min(c.place) FILTER (WHERE c.is_last) AS last_row_place,
                                 (array_agg(c.hash) FILTER (WHERE c.is_last))[1] AS last_row_hash
                            FROM checked c GROUP BY c.lane),
             heads AS (SELECT * FROM audit_heads h WHERE h.tenant_id = t)
        SELECT coalesce(p.lane, h.lane) AS lane, coalesce(p.n, 0) AS n, p.first_id,
               p.first_broken, p.last_row_id, p.last_row_place, p.last_row_hash,
               h.lane IS NOT NULL AS has_head, h.last_id, h.last_seq, h.last_at, h.head,
               h.rows_total, coalesce(st.last_id, 0) AS start_id,
               coalesce(st.place, 0) AS start_place,
               coalesce(st.head, audit_genesis()) AS start_hash,
               coalesce(st.rows_total, 0) AS start_rows
          FROM per_lane p FULL JOIN heads h ON h.lane = p.lane
          LEFT JOIN starts st ON st.lane = coalesce(p.lane, h.lane)
         ORDER BY 1
    LOOP
        rows_checked := rows_checked + s.n;
        IF s.first_broken IS NOT NULL THEN
            SELECT l.id, l.occurred_at INTO bad FROM audit_log l
             WHERE l.tenant_id = t AND l.lane = s.lane
               AND audit_place(l.seq, l.id) = s.first_broken;
            IF broken_id IS NULL OR (bad.occurred_at, bad.id) < (broken_at, broken_id) THEN
                broken_id := bad.id;
                broken_at := bad.occurred_at;
                bad_lane := s.lane;
                bad_place := s.first_broken;
                bad_start := s.start_place;
                bad_start_hash := s.start_hash;
            END IF;
        END IF;
        CONTINUE WHEN head_id IS NOT NULL;
        IF NOT s.has_head THEN
            SELECT s.first_id, l.occurred_at,
                   'the row is in a chain the log never started: rows were inserted'
              INTO head_id, head_at, head_why
              FROM audit_log l WHERE l.tenant_id = t AND l.id = s.first_id;
            CONTINUE;
        END IF;
        IF s.last_id IS DISTINCT FROM coalesce(s.last_row_id, s.start_id)
           OR s.last_seq IS DISTINCT FROM coalesce(s.last_row_place, s.start_place)
           OR s.head IS DISTINCT FROM coalesce(s.last_row_hash, s.start_hash)
           OR s.rows_total <> s.start_rows + s.n THEN
            head_id := s.last_id;
            head_at := s.last_at;
            head_why := 'the chain does not end at its recorded head: newest rows were removed';
        END IF;
    END LOOP;
    IF broken_id IS NOT NULL THEN
        SELECT CASE WHEN l.prev_hash IS DISTINCT FROM coalesce(
                        (SELECT p.hash FROM audit_log p WHERE p.tenant_id = t
                            AND p.lane = bad_lane AND audit_place(p.seq, p.id) > bad_start
                            AND audit_place(p.seq, p.id) < bad_place
                          ORDER BY audit_place(p.seq, p.id) DESC LIMIT 1),
                        bad_start_hash)
                    THEN 'the row does not follow the row before it: a row was removed,'
                         ' inserted or reordered'
                    ELSE 'the row''s content or hash was changed' END
          INTO reason
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

-- As in 0017, lane by lane and in plain statements: on a Citus cluster the purge runs on the
-- tenant's node, where a modifying CTE would be planned as a distributed subplan. In each lane
-- the rows older than the retention period go, up to the lane's first row still kept (a clock
-- step back must not make the purge cut into kept rows), and a checkpoint records the last.
CREATE OR REPLACE FUNCTION audit_purge(p_tenant uuid) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    cutoff timestamptz := now() - make_interval(days => audit_retention_days(p_tenant));
    cut record;
    last audit_log;
    purged bigint;
    before bigint; -- the lane's rows chained up to its last checkpoint
    n bigint := 0;
    up_to bigint;
BEGIN
    PERFORM audit_chain_lock(p_tenant);
    FOR cut IN
        WITH kept AS (SELECT k.lane, min(audit_place(k.seq, k.id)) AS first
                        FROM audit_log k WHERE k.tenant_id = p_tenant AND k.occurred_at >= cutoff
                       GROUP BY k.lane)
        SELECT l.lane, max(audit_place(l.seq, l.id)) AS place
          FROM audit_log l LEFT JOIN kept ON kept.lane = l.lane
         WHERE l.tenant_id = p_tenant AND l.occurred_at < cutoff
           AND audit_place(l.seq, l.id) < coalesce(kept.first, 9223372036854775807)
         GROUP BY l.lane ORDER BY l.lane
    LOOP
        SELECT * INTO last FROM audit_log l
         WHERE l.tenant_id = p_tenant AND l.lane = cut.lane
           AND audit_place(l.seq, l.id) = cut.place;
        DELETE FROM audit_log l
         WHERE l.tenant_id = p_tenant AND l.lane = cut.lane
           AND audit_place(l.seq, l.id) <= cut.place;
        GET DIAGNOSTICS purged = ROW_COUNT;
        SELECT coalesce((SELECT c.rows_total FROM audit_checkpoints c
                          WHERE c.tenant_id = p_tenant AND c.lane = cut.lane
                          ORDER BY c.id DESC LIMIT 1), 0) INTO before;
        INSERT INTO audit_checkpoints (tenant_id, lane, kind, last_id, last_seq, last_at, head,
                                       rows_total, rows_purged)
        VALUES (p_tenant, cut.lane, 'purge', last.id, cut.place, last.occurred_at, last.hash,
                before + purged, purged);
        n := n + purged;
        up_to := greatest(up_to, last.id);
    END LOOP;
    IF n = 0 THEN
        RETURN 0;
    END IF;
    PERFORM audit_write(p_tenant, 'delete', 'audit_log', NULL, NULL,
                        jsonb_build_object('purged', n, 'up_to_id', up_to::text,
                                           'older_than', cutoff));
    RETURN n;
END
$$;
