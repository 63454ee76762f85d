-- migrate.sql - statements of migrate.c, run as the schema owner

-- name: migrate_lock
-- An arbitrary constant names the migration lock among advisory locks, so that two runs
-- cannot interleave.
SELECT pg_advisory_lock(7294017731);

-- name: migrate_citus
-- On a Citus cluster, distributes the tables the run made (core migration 0028), then the
-- functions (0031); else nothing.
SELECT citus_distribute(), citus_functions();

-- name: migrate_citus_grants
-- Then, once that is committed (the workers' sequences exist for other connections), the
-- sequences' grants on the workers (core migration 0033); else nothing.
SELECT citus_sequence_grants();

-- name: migrate_unlock
SELECT pg_advisory_unlock(7294017731);

-- name: schema_migrations_create
CREATE TABLE IF NOT EXISTS schema_migrations (
    module text NOT NULL,
    version integer NOT NULL CHECK (version > 0),
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (module, version)
);

-- name: schema_migrations_rename_crm
-- The crm module was called "core" until its migrations moved out of the core's rooms: its
-- applied rows take the new name before they are read (a no-op once done).
UPDATE schema_migrations SET module = 'crm' WHERE module = 'core';

-- name: migrations_applied
-- What crm_migrate_check_result compares with the embedded migrations (also for /readyz and
-- serve's start).
-- returns: module, version, checksum
SELECT module, version, checksum
FROM schema_migrations
ORDER BY module, version;

-- name: migration_record
-- Records migration $3 of module $1 (version $2, SHA-256 $4) in its own transaction.
INSERT INTO schema_migrations (module, version, name, checksum)
VALUES ($1, $2, $3, $4);
