-- tenant_archive.sql - statements of tenant_export.c and tenant_import.c: the tables that hold
-- a tenant's rows, read from the catalogue, and the COPY and INSERT texts for each, quoted by
-- format(). The archive's own names and columns reach SQL only as parameters.

-- fragment: archive_tenant_tables
-- The tables of tenants' rows: every table of the schema with a tenant_id column, and
-- tenants itself; key is the column naming the tenant.
SELECT c.oid, c.relname::text AS relname,
    CASE WHEN c.relname = 'tenants' THEN 'id' ELSE 'tenant_id' END AS key
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace
    AND c.relkind IN ('r', 'p')
    AND NOT c.relispartition
    AND (c.relname = 'tenants' OR EXISTS (
        SELECT 1
        FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))

-- fragment: archive_columns(oid)
-- The stored columns of table :oid in their order (generated ones are computed again).
SELECT a.attname::text AS name, a.attnum
FROM pg_attribute a
WHERE a.attrelid = :oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''

-- name: archive_context
-- This connection acts for tenant $1 (row-level security) as the command line.
SELECT set_config('app.tenant_id', $1, false),
    set_config('app.actor', 'cli', false);

-- name: archive_context_local
-- The same, for the transaction that follows, by SET LOCAL: the settings a Citus cluster
-- passes on to its workers, where each shard's row-level security reads the tenant.
SELECT request_set('app.tenant_id', $1), request_set('app.actor', 'cli');

-- name: archive_tenant
-- The tenant acted for ($1): its id, slug and name.
-- returns: id, slug, name
SELECT t.id::text AS id, t.slug, t.name
FROM tenants t
WHERE t.id = $1::uuid;

-- name: archive_audit
-- Writes the export ('export') or import ('create') of tenant $1 into its audit log, $3 saying
-- what was moved.
SELECT audit_write($1::uuid, $2, 'tenant', $1::uuid::text, NULL, $3::jsonb);

-- name: archive_snapshot
-- Begins the export's transaction: every table read from one snapshot.
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;

-- name: archive_schema
-- The migrations this database has had, module by module: an archive loads only into a
-- database with the very same list.
-- returns: schema
SELECT coalesce(json_agg(json_build_object('module', m.module, 'version', m.version)
        ORDER BY m.module, m.version), '[]')::text AS schema
FROM schema_migrations m;

-- name: archive_tables
-- Each table of tenants' rows (tenants first): its name, its stored columns as a JSON array and
-- the COPY writing tenant $1's rows as CSV with a header, in primary-key order.
-- returns: name, columns, copy_out
SELECT t.relname AS name,
    (SELECT json_agg(c.name ORDER BY c.attnum) FROM (:archive_columns(t.oid)) c)::text AS columns,
    format('COPY (SELECT %s FROM %I WHERE %I = %L ORDER BY %s) TO STDOUT WITH (FORMAT csv, HEADER)',
        (SELECT string_agg(quote_ident(c.name), ', ' ORDER BY c.attnum)
            FROM (:archive_columns(t.oid)) c),
        t.relname, t.key, $1::uuid,
        coalesce((SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
            FROM pg_index i
            CROSS JOIN unnest(i.indkey) WITH ORDINALITY k (attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = t.oid AND i.indisprimary), '1')) AS copy_out
FROM (:archive_tenant_tables) t
ORDER BY t.relname <> 'tenants', t.relname;

-- name: archive_load
-- How table $1 of an archive, with the columns $2 (a JSON array), is loaded for tenant $3:
-- into a temporary table by COPY (its CSV header must name those columns), then inserted with
-- the ids it brings, the rows of any other tenant left out; insert_rows answers how many. On
-- a Citus cluster the rows go as VALUES (archive_insert_values, core migration 0038). No row
-- when $1 is not a table of tenants' rows here or $2 is not exactly its stored columns.
-- returns: create_tmp, copy_in, insert_rows
WITH want AS (
    SELECT w.name, w.ord
    FROM json_array_elements_text($2::json) WITH ORDINALITY w (name, ord)
),
t AS (
    SELECT t.*,
        (SELECT string_agg(quote_ident(w.name), ', ' ORDER BY w.ord) FROM want w) AS cols
    FROM (:archive_tenant_tables) t
    WHERE t.relname = $1
)
SELECT format('CREATE TEMP TABLE archive_load ON COMMIT DROP AS SELECT %s FROM %I WITH NO DATA',
        t.cols, t.relname) AS create_tmp,
    format('COPY archive_load (%s) FROM STDIN WITH (FORMAT csv, HEADER MATCH)',
        t.cols) AS copy_in,
    CASE WHEN current_setting('citus.version', true) IS NULL
        THEN format('WITH i AS (INSERT INTO %I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM '
            'archive_load WHERE %I = %L RETURNING 1) SELECT count(*) FROM i',
            t.relname, t.cols, t.cols, t.key, $3::uuid)
        ELSE format('SELECT archive_insert_values(%L, %L, %L, %L)',
            t.relname, t.cols, t.key, $3::uuid)
    END AS insert_rows
FROM t
WHERE (SELECT count(DISTINCT w.name) FROM want w) = (SELECT count(*) FROM want)
    AND (SELECT array_agg(w.name ORDER BY w.name) FROM want w)
        = (SELECT array_agg(c.name ORDER BY c.name) FROM (:archive_columns(t.oid)) c);

-- name: archive_load_done
-- Drops the temporary table of the table just loaded.
DROP TABLE archive_load;

-- name: archive_triggers
-- $1 'replica' while an archive's rows go in (no trigger fires: the archive brings the audit
-- rows, chain heads and derived rows the triggers would write), 'origin' after; by SET LOCAL,
-- which a Citus cluster passes on to its workers.
SELECT request_set('session_replication_role', $1);

-- name: archive_foreign_keys
-- For each foreign key of a table of tenants' rows, a query counting tenant $1's rows whose
-- reference finds no row (what the key's trigger would have refused while triggers were off).
-- returns: name, check_sql
SELECT con.conrelid::regclass::text || '.' || con.conname AS name,
    format('SELECT count(*) FROM %s c WHERE c.%I = %L AND %s AND NOT EXISTS '
        '(SELECT 1 FROM %s p WHERE %s)',
        con.conrelid::regclass, t.key, $1::uuid,
        (SELECT string_agg(format('c.%I IS NOT NULL', a.attname), ' AND ')
            FROM unnest(con.conkey) k (attnum)
            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum),
        con.confrelid::regclass,
        (SELECT string_agg(format('p.%I = c.%I', pa.attname, ca.attname), ' AND ')
            FROM unnest(con.conkey, con.confkey) k (child, parent)
            JOIN pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = k.child
            JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.parent))
        AS check_sql
FROM pg_constraint con
JOIN (:archive_tenant_tables) t ON t.oid = con.conrelid
WHERE con.contype = 'f'
ORDER BY 1;

-- name: archive_sequences
-- For each sequence behind a column of a table of tenants' rows, a statement moving it past the
-- largest value tenant $1's rows hold there (an imported id is never taken again), on the node
-- that draws the tenant's new ids (archive_sequence_past, core migration 0038).
-- returns: setval_sql
SELECT format('SELECT archive_sequence_past(%L, %L, %L, %L, %L)',
        $1::uuid, t.relname, s.attname, t.key, s.seq) AS setval_sql
FROM (:archive_tenant_tables) t
CROSS JOIN LATERAL (
    SELECT a.attname, pg_get_serial_sequence(quote_ident(t.relname), a.attname) AS seq
    FROM pg_attribute a
    WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
) s
WHERE s.seq IS NOT NULL
ORDER BY 1;

-- name: archive_as
-- Acts as role $1 ('crm_platform' to see every tenant) or, with 'none', as the connection's own.
SELECT set_config('role', $1, true);

-- name: archive_sender_clash
-- An SMS number assigned to tenant $1 that another tenant here has too (as crm_platform).
-- returns: sender
SELECT s.sender
FROM tenants t
CROSS JOIN jsonb_array_elements_text(coalesce(t.settings -> 'sms_senders', '[]')) s (sender)
WHERE t.id = $1
    AND s.sender LIKE '+%'
    AND EXISTS (
        SELECT 1
        FROM tenants o
        WHERE o.id <> t.id AND coalesce(o.settings -> 'sms_senders', '[]') ? s.sender)
LIMIT 1;

-- name: archive_verify
-- Tenant's audit chain as it now stands (audit_verify of the tenant acted for).
-- returns: ok, rows_checked
SELECT v.ok, v.rows_checked
FROM audit_verify() v;
