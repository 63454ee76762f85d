#!/usr/bin/env python3
"""restore_drill.py - proves the self-hosting backup recipe of docs/operations.md: the demo
database of `crm dev` is dumped (pg_dumpall --roles-only for the cluster's roles, pg_dump -Fc for
the database) and restored into a fresh cluster, where `crm migrate` has nothing to do, `crm
audit verify` passes for every tenant and every table holds as many rows as the original. Ends
with `N passed, N failed`. Run with `make restore-drill` (after `make build`)."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
os.environ.setdefault("CRM_BINARY", os.path.join(ROOT, "build", "crm"))

from crmtest import CRM, PG_BIN, Postgres, crm  # noqa: E402

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} - {name}" + (f": {detail}" if detail and not ok else ""),
          flush=True)


def as_postgres(args, **kw):
    """Runs a PostgreSQL client program as the postgres user when we are root (the clusters'
    sockets are theirs)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True, **kw)


def counts(url):
    """Rows per table of the public schema, as the superuser (row-level security aside)."""
    out = as_postgres([os.path.join(PG_BIN, "psql"), "-X", "-At", "-d", url, "-c",
                       "SELECT string_agg(format('SELECT %L, count(*) FROM %I', tablename,"
                       " tablename), ' UNION ALL ' ORDER BY tablename) FROM pg_tables"
                       " WHERE schemaname = 'public'"])
    query = out.stdout.strip()
    out = as_postgres([os.path.join(PG_BIN, "psql"), "-X", "-At", "-d", url, "-c", query])
    return dict(line.split("|") for line in out.stdout.splitlines() if line)


def main():
    work = tempfile.mkdtemp(prefix="crm-drill-")
    os.chmod(work, 0o755)
    dev_dir = os.path.join(work, "var")
    log = open(os.path.join(work, "dev.log"), "w")
    dev = subprocess.Popen([CRM, "dev", "--dev-dir", dev_dir, "--listen", "127.0.0.1:0",
                            "--sms-log", os.path.join(work, "sms.log"),
                            "--mail-dir", os.path.join(work, "mail")],
                           stdout=log, stderr=subprocess.STDOUT, cwd=work)
    fresh = Postgres()
    try:
        deadline = time.monotonic() + 120
        text = ""
        while time.monotonic() < deadline and "CRM is running" not in text:
            time.sleep(0.2)
            text = open(log.name).read()
        check("crm dev made the demo database", "CRM is running" in text, text[-1500:])
        url = re.search(r"Database: +(.+)", text).group(1).strip()
        owner = url.replace("user=crm", "user=postgres")
        dumps = os.path.join(work, "dumps")  # written by the postgres user, as a backup job
        os.mkdir(dumps)
        if os.geteuid() == 0:
            shutil.chown(dumps, "postgres", "postgres")
        roles = os.path.join(dumps, "roles.sql")
        dump = os.path.join(dumps, "crm.dump")
        out = as_postgres([os.path.join(PG_BIN, "pg_dumpall"), "-d", owner, "--roles-only",
                           "--no-role-passwords", "-f", roles])
        check("pg_dumpall --roles-only", out.returncode == 0, out.stderr)
        out = as_postgres([os.path.join(PG_BIN, "pg_dump"), "-d", owner, "-Fc", "-f", dump])
        check("pg_dump -Fc", out.returncode == 0, out.stderr)
        before = counts(owner)
        dev.send_signal(signal.SIGINT)
        dev.wait(timeout=60)

        fresh.start()
        out = as_postgres([os.path.join(PG_BIN, "psql"), "-X", "-q", "-d",
                           fresh.url("postgres", "postgres"), "-f", roles])
        check("the roles restored", out.returncode == 0, out.stderr[-800:])
        fresh.sql("CREATE DATABASE crm OWNER crm", dbname="postgres")
        out = as_postgres([os.path.join(PG_BIN, "pg_restore"), "--exit-on-error", "-d",
                           fresh.url("postgres"), dump])
        check("pg_restore", out.returncode == 0, out.stderr[-800:])
        out = crm("migrate", env={"CRM_DATABASE_URL": fresh.url()})
        check("crm migrate has nothing to do", out.returncode == 0 and "up to date" in
              (out.stdout + out.stderr), out.stdout + out.stderr)
        out = crm("audit", "verify", env={"CRM_DATABASE_URL": fresh.url()})
        check("crm audit verify passes for every tenant", out.returncode == 0
              and '"ok": false' not in out.stdout and '"ok":false' not in out.stdout,
              out.stdout[-800:] + out.stderr[-800:])
        after = counts(fresh.url("postgres"))
        differ = {t: (before.get(t), after.get(t)) for t in set(before) | set(after)
                  if before.get(t) != after.get(t)}
        check(f"every table holds as many rows ({len(before)} tables,"
              f" {sum(int(v) for v in before.values())} rows)", not differ, str(differ))
    finally:
        if dev.poll() is None:
            dev.send_signal(signal.SIGINT)
            dev.wait(timeout=60)
        fresh.destroy()
        shutil.rmtree(work, ignore_errors=True)
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
