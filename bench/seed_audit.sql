-- seed_audit.sql - three years of the large bench tenant's audit log (psql variable
-- big_audit rows), chained as audit_write() would chain them. Runs beside seed.sql, in a
-- session of its own (the chain is one sequential loop; the rest of the seed is set-based),
-- as the superuser with triggers and foreign-key checks off.
\set ON_ERROR_STOP on
SET session_replication_role = replica;
SET synchronous_commit = off;

SET bench.audit = :big_audit;
BEGIN;
-- on a Citus cluster (bench/citus.py) the workers get the setting too; a placeholder elsewhere
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL session_replication_role = replica;
DO $$
DECLARE
    l audit_log;
    prev bytea := audit_genesis();
    total int := current_setting('bench.audit')::int;
BEGIN
    IF total = 0 THEN
        RETURN;
    END IF;
    FOR i IN 1 .. total LOOP
        l.tenant_id := 'b0000000-0000-4000-8000-000000000000';
        l.id := nextval('audit_log_id_seq');
        l.occurred_at := now() - make_interval(secs => (3 * 365 * 86400)::float8 * (1 - i::float8 / total));
        l.actor := 'bench';
        l.action := (ARRAY['update', 'read', 'create', 'read', 'search'])[1 + i % 5];
        l.entity_type := 'contacts';
        l.entity_id := 'bench-' || i;
        l.changes := CASE WHEN i % 5 = 0 THEN '{"phone": {"before": "+441", "after": "+442"}}' END;
        l.request_id := 'bench';
        l.lane := 0;
        l.prev_hash := prev;
        l.hash := audit_link(prev, l);
        INSERT INTO audit_log OVERRIDING SYSTEM VALUE SELECT (l).*;
        prev := l.hash;
    END LOOP;
    -- the rows keep no place of their own (seq NULL): their ids are their places
    INSERT INTO audit_heads (tenant_id, last_id, last_seq, last_at, head, rows_total)
    VALUES (l.tenant_id, l.id, l.id, l.occurred_at, prev, total);
END
$$;
COMMIT;
