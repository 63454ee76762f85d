"""The crm command line: help, configuration errors, migrations and start-up refusals."""
import os
import re
import subprocess

from crmtest import CRM, Server, crm, default_key_set


def test_help_lists_commands_and_options():
    out = crm("--help")
    assert out.returncode == 0
    for cmd in ["serve", "migrate", "dev", "version", "tenant", "user", "keys", "permissions"]:
        assert re.search(rf"^  {cmd} ", out.stdout, re.M), cmd
    out = crm("serve", "--help")
    assert out.returncode == 0
    for var in ["CRM_DATABASE_URL", "CRM_LISTEN", "CRM_THREADS", "CRM_LOG_LEVEL",
                "CRM_MAX_BODY_BYTES", "CRM_SHUTDOWN_TIMEOUT_S", "CRM_STATEMENT_TIMEOUT_MS"]:
        assert var in out.stdout, var
    assert "127.0.0.1:8080" in out.stdout and "1048576" in out.stdout
    assert "CRM_DEV_DIR" in crm("dev", "--help").stdout
    assert crm("migrate", "--help").returncode == 0


def test_version_and_unknown_commands():
    out = crm("version")
    assert out.returncode == 0 and re.match(r"^crm \d+\.\d+\.\d+$", out.stdout.strip())
    assert crm().returncode == 2
    out = crm("frobnicate")
    assert out.returncode == 2 and "unknown command" in out.stderr


def test_bad_configuration_exits_2_naming_the_variable():
    cases = [
        ({"CRM_DATABASE_URL": "x", "CRM_THREADS": "many"}, (), "CRM_THREADS"),
        ({"CRM_DATABASE_URL": "x", "CRM_LISTEN": "here"}, (), "CRM_LISTEN"),
        ({"CRM_DATABASE_URL": "x", "CRM_MAX_BODY_BYTES": "1k"}, (), "CRM_MAX_BODY_BYTES"),
        ({"CRM_DATABASE_URL": "x", "CRM_LOG_LEVEL": "chatty"}, (), "CRM_LOG_LEVEL"),
        ({"CRM_DATABASE_URL": "x"}, ("--threads", "0"), "--threads"),
        ({"CRM_DATABASE_URL": ""}, (), "CRM_DATABASE_URL"),
    ]
    for env, args, name in cases:
        full = {"CRM_DATABASE_URL": None, "CRM_JWT_KEYS": "k.json"}
        full.update(env)
        out = subprocess.run([CRM, "serve", *args], capture_output=True, text=True,
                             env={k: v for k, v in full.items() if v is not None}, timeout=10)
        assert out.returncode == 2, (env, args, out.stderr)
        assert name in out.stderr, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    out = subprocess.run([CRM, "serve"], capture_output=True, text=True, env={}, timeout=10)
    assert out.returncode == 2 and "CRM_DATABASE_URL" in out.stderr


def test_unreachable_database_refuses_to_start():
    out = crm("serve", env={"CRM_DATABASE_URL": "host=/nonexistent-dir port=1 dbname=x",
                            "CRM_JWT_KEYS": default_key_set()}, timeout=30)
    assert out.returncode == 1
    assert "cannot connect" in out.stderr


def test_first_migration_creates_roles_extensions_and_forced_rls(pg):
    exts = {r[0] for r in pg.sql("SELECT extname FROM pg_extension")}
    assert {"citext", "pg_trgm", "btree_gist", "pgcrypto"} <= exts
    role = pg.sql("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'crm_app'")
    # on a Citus cluster the role logs in from node to node (docs/scaling.md): the cluster's
    # operator makes it so, and the migration keeps it
    assert role == [["f", "f", "t" if os.environ.get("CRM_TEST_CITUS") else "f"]]
    rls = pg.sql("SELECT relrowsecurity, relforcerowsecurity, pg_get_userbyid(relowner)"
                 " FROM pg_class WHERE relname = 'tenants'")
    assert rls == [["t", "t", "crm"]]
    rows = pg.sql("SELECT module, version, length(checksum) FROM schema_migrations ORDER BY 1, 2")
    assert ["crm", "1", "64"] in rows


def test_migrate_is_idempotent_and_reports_what_it_applied(make_cluster):
    pg = make_cluster(migrate=False)
    first = crm("migrate", env={"CRM_DATABASE_URL": pg.url()})
    assert first.returncode == 0, first.stderr
    assert "applied crm 0001_roles_extensions_tenants" in first.stdout
    second = crm("migrate", env={"CRM_DATABASE_URL": pg.url()})
    assert second.returncode == 0
    assert second.stdout.strip() == "database is up to date"
    count = pg.sql("SELECT count(*) FROM schema_migrations")
    assert crm("migrate", "--database-url", pg.url()).returncode == 0
    assert pg.sql("SELECT count(*) FROM schema_migrations") == count


def test_serve_refuses_pending_migrations(make_cluster):
    pg = make_cluster(migrate=False)
    out = crm("serve", env={"CRM_DATABASE_URL": pg.url(), "CRM_LISTEN": "127.0.0.1:0",
                            "CRM_JWT_KEYS": default_key_set()})
    assert out.returncode == 1
    assert "crm migrate" in out.stderr


def test_changed_migration_is_refused_by_migrate_and_serve(make_cluster):
    pg = make_cluster()
    pg.sql("UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE module = 'crm'")
    out = crm("migrate", env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 1
    assert "0001_roles_extensions_tenants was changed" in out.stderr
    out = crm("serve", env={"CRM_DATABASE_URL": pg.url(), "CRM_LISTEN": "127.0.0.1:0",
                            "CRM_JWT_KEYS": default_key_set()})
    assert out.returncode == 1 and "was changed" in out.stderr


def test_serve_refuses_an_app_role_that_bypasses_rls(make_cluster):
    pg = make_cluster()
    pg.sql("ALTER ROLE crm_app BYPASSRLS")
    out = crm("serve", env={"CRM_DATABASE_URL": pg.url(), "CRM_LISTEN": "127.0.0.1:0",
                            "CRM_JWT_KEYS": default_key_set()})
    assert out.returncode == 1
    assert "refusing to serve" in out.stderr
    pg.sql("ALTER ROLE crm_app NOBYPASSRLS")
    Server(pg).stop()  # and starts once it is fixed


def test_migrate_renames_the_crm_modules_rows_once(make_cluster):
    """The crm module was called "core": a database migrated then is pending for serve until
    `crm migrate` renames its rows, and applies nothing else."""
    pg = make_cluster()
    count = pg.sql("SELECT count(*) FROM schema_migrations WHERE module = 'crm'")
    pg.sql("UPDATE schema_migrations SET module = 'core' WHERE module = 'crm'")
    out = crm("serve", env={"CRM_DATABASE_URL": pg.url(), "CRM_LISTEN": "127.0.0.1:0",
                            "CRM_JWT_KEYS": default_key_set()})
    assert out.returncode == 1 and "crm migrate" in out.stderr
    out = crm("migrate", env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "database is up to date"
    assert pg.sql("SELECT count(*) FROM schema_migrations WHERE module = 'crm'") == count
    assert pg.sql("SELECT count(*) FROM schema_migrations WHERE module = 'core'") == [["0"]]
