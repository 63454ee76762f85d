"""crmtest.py - the API suite's harness: throwaway PostgreSQL clusters and real `crm serve` processes.

Nothing is mocked: each cluster is a real PostgreSQL 15 made with initdb (as the postgres
system user when the suite runs as root), and each server is the real build/crm binary.
"""
import atexit
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CRM = os.environ.get("CRM_BINARY", os.path.join(ROOT, "build-test", "crm"))
PG_BIN = os.environ.get("CRM_PG_BINDIR", "/usr/lib/postgresql/15/bin")
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "WARNING: ThreadSanitizer:")
PLATFORM_KEY = "platform-key-for-the-api-suite-0123456789"
_KEYS_DIR = tempfile.mkdtemp(prefix="crm-keys-")
atexit.register(shutil.rmtree, _KEYS_DIR, True)


def key_set(*entries):
    """Writes a key set file of these entries (JSON objects) and returns its path."""
    fd, path = tempfile.mkstemp(prefix="keys-", suffix=".json", dir=_KEYS_DIR)
    with os.fdopen(fd, "w") as f:
        json.dump({"keys": list(entries)}, f)
    return path


def new_key(alg="HS256", kid=None):
    """A new key-set entry from `crm keys generate` (PEM files go to a temporary folder)."""
    args = ["keys", "generate", "--alg", alg, "--dir", _KEYS_DIR]
    if kid:
        args += ["--kid", kid]
    out = crm(*args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


_default_keys = None


def default_key_set():
    global _default_keys
    if _default_keys is None:
        _default_keys = key_set(new_key(kid="suite-1"))
    return _default_keys


def _as_postgres():
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


def run_sql(url, query, each=False):
    """Runs SQL through psql against url; returns the rows as lists of text ('|'-separated
    columns), or raises with psql's message. With each, psql sends the statements one by one
    (as a script) rather than as one string: Citus passes on a string holding a SET LOCAL to
    its workers whole, the statements after it included."""
    args = ["-f", "-"] if each else ["-c", query]
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url,
                          *args], input=query if each else None, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return [line.split("|") for line in out.stdout.splitlines() if line]


def as_app(tenant_id, role="crm_app"):
    """SQL that makes the rest of a transaction act as role for tenant_id, as a request's
    prelude does: by SET LOCAL, which a Citus cluster passes on to its workers (set_config()
    is not); on plain PostgreSQL the Citus setting is a harmless placeholder. Run it with
    pg.sql(..., each=True)."""
    return (f"SET LOCAL citus.propagate_set_commands = local; SET LOCAL ROLE {role};"
            f" SET LOCAL app.tenant_id = '{tenant_id}';")


class Postgres:
    """A private cluster on a Unix socket, with the application's owner role and database."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="crm-pg-")
        self.data = os.path.join(self.base, "data")
        self.sock = os.path.join(self.base, "run")
        self.log = os.path.join(self.base, "postgres.log")
        os.chmod(self.base, 0o755)
        os.mkdir(self.sock)
        if os.geteuid() == 0:
            shutil.chown(self.sock, "postgres", "postgres")
            shutil.chown(self.base, "postgres", "postgres")
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "-N")
        self.port = 5432  # each cluster has its own socket folder, so the port never clashes

    def _run(self, prog, *args, check=True):
        return subprocess.run([os.path.join(PG_BIN, prog), *args], cwd=self.base,
                              capture_output=True, text=True, check=check, **_as_postgres())

    def start(self):
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", self.data, "-l", self.log, "-o",
                  f"-p {self.port} -k {self.sock} -c listen_addresses='' -c fsync=off "
                  "-c full_page_writes=off -c synchronous_commit=off")

    def stop(self, mode="fast"):
        self._run("pg_ctl", "stop", "-w", "-m", mode, "-D", self.data, check=False)

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, user="crm", dbname="crm"):
        return f"host={self.sock} port={self.port} user={user} dbname={dbname}"

    def sql(self, query, user="postgres", dbname="crm", each=False):
        """Runs SQL through psql; returns the rows as lists of text ('|'-separated columns)."""
        return run_sql(self.url(user, dbname), query, each)

    def tenant_url(self, tenant_id, user="postgres"):
        """The database of the node holding a tenant's rows: here, the one database."""
        return self.url(user)

    def sql_every_node(self, query):
        """Runs SQL as the superuser on every node of the database: here, the one."""
        return self.sql(query)

    def bootstrap(self, migrate=True):
        """The owner role and database, as `crm dev` makes them; then `crm migrate`."""
        self.sql("CREATE ROLE crm LOGIN CREATEROLE", dbname="postgres")
        self.sql("CREATE DATABASE crm OWNER crm", dbname="postgres")
        if migrate:
            out = crm("migrate", env={"CRM_DATABASE_URL": self.url()})
            assert out.returncode == 0, out.stderr


class CitusCluster(Postgres):
    """The suite's database on the local Citus cluster of scripts/citus.sh (a coordinator and
    workers on 127.0.0.1, ports given): bootstrap() makes the database afresh on every node,
    joins the workers and migrates, which distributes the tables. The cluster itself is not
    started or stopped here."""

    def __init__(self, ports):
        self.ports = ports
        self.port = ports[0]
        self.base = self.data = self.sock = None

    def start(self):
        pass

    def stop(self, mode="fast"):
        raise RuntimeError("the Citus cluster is stopped by scripts/citus.sh, not by a test")

    def destroy(self):
        pass

    def url(self, user="crm", dbname="crm"):
        return f"host=127.0.0.1 port={self.port} user={user} dbname={dbname}"

    def node_sql(self, port, query, dbname="crm"):
        return run_sql(f"host=127.0.0.1 port={port} user=postgres dbname={dbname}", query)

    def sql_every_node(self, query):
        """Runs SQL as the superuser on the coordinator and every worker (a grant on a
        parameter, which Citus does not pass on)."""
        return [self.node_sql(port, query) for port in self.ports][0]

    def tenant_url(self, tenant_id, user="postgres"):
        """The database of the worker holding a tenant's shards (its lane locks and audit
        sequence live there)."""
        port = self.sql("SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n"
                        " ON n.groupid = p.groupid WHERE p.shardid ="
                        f" get_shard_id_for_distribution_column('audit_log', '{tenant_id}')")
        return f"host=127.0.0.1 port={port[0][0]} user={user} dbname=crm"

    def bootstrap(self, migrate=True):
        for port in self.ports:
            self.node_sql(port, "DROP DATABASE IF EXISTS crm WITH (FORCE)", "postgres")
            self.node_sql(port, "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname ="
                                " 'crm') THEN CREATE ROLE crm LOGIN CREATEROLE; END IF; END $$",
                          "postgres")
            self.node_sql(port, "CREATE DATABASE crm OWNER crm", "postgres")
            self.node_sql(port, "CREATE EXTENSION citus")
        self.sql(f"SELECT citus_set_coordinator_host('127.0.0.1', {self.port})")
        for port in self.ports[1:]:
            self.sql(f"SELECT citus_add_node('127.0.0.1', {port})")
        # the roles requests run as: Citus reaches the workers as the current role, so they log
        # in there (the cluster's pg_hba trusts 127.0.0.1; a real one uses scram or
        # certificates), and only a superuser may create them with their attributes on every
        # node (the migrations then find them)
        for role in ("crm_app", "crm_platform", "crm_worker", "crm_audit_retention"):
            self.sql(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}')"
                     f" THEN CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
                     f" NOBYPASSRLS; END IF; END $$")
        if migrate:
            out = crm("migrate", env={"CRM_DATABASE_URL": self.url()})
            assert out.returncode == 0, out.stderr


def cluster_under_test():
    """The suite's own cluster: a fresh PostgreSQL, or with CRM_TEST_CITUS (the coordinator's
    and workers' ports, "55436,55437,55438") the running Citus cluster."""
    ports = os.environ.get("CRM_TEST_CITUS")
    if ports:
        return CitusCluster([int(p) for p in ports.split(",")])
    return Postgres()


def psql(pg, *args, user="crm"):
    """Runs psql with these arguments against pg's database; returns its output."""
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                          "-d", pg.url(user), *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def migrate_up_to(pg, last):
    """Applies each module's migrations up to a version, as `crm migrate` did then (each file
    in its own transaction, recorded in schema_migrations): a database of an older release.
    last maps a module to (its folder under the source tree, its last version)."""
    psql(pg, "-c", "CREATE TABLE schema_migrations (module text NOT NULL, version integer NOT NULL"
                   " CHECK (version > 0), name text NOT NULL, checksum text NOT NULL,"
                   " applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (module, version))")
    for module, (folder, version_max) in last.items():
        for path in sorted(glob.glob(os.path.join(ROOT, folder, "[0-9][0-9][0-9][0-9]_*.sql"))):
            name = os.path.basename(path)[:-4]
            version = int(name[:4])
            if version > version_max:
                continue
            with open(path, "rb") as f:
                checksum = hashlib.sha256(f.read()).hexdigest()
            psql(pg, "--single-transaction", "-f", path)
            psql(pg, "-c", "INSERT INTO schema_migrations (module, version, name, checksum)"
                           f" VALUES ('{module}', {version}, '{name}', '{checksum}')")


def crm(*args, env=None, timeout=60):
    """Runs a crm subcommand to completion."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([CRM, *args], capture_output=True, text=True, env=full_env,
                          timeout=timeout)


class Server:
    """A running `crm serve` (or another serving command: `crm worker`) on a free port; stop()
    asserts a clean, sanitizer-quiet exit."""

    def __init__(self, pg, env=None, args=(), command="serve"):
        self.command = command
        self.log_path = tempfile.mktemp(prefix=f"crm-{command}-", suffix=".log")
        full_env = dict(os.environ)
        full_env.update({"CRM_DATABASE_URL": pg.url(), "CRM_LISTEN": "127.0.0.1:0",
                         "CRM_THREADS": "4", "CRM_LOG_LEVEL": "info",
                         "CRM_JWT_KEYS": default_key_set(), "CRM_PLATFORM_KEY": PLATFORM_KEY,
                         "CRM_LOGIN_IP_MAX": "100000", "CRM_DENYLIST_REFRESH_S": "1",
                         # every test client is 127.0.0.1: per-address bounds are tested alone
                         "CRM_SECURITY_EVENTS_PER_MINUTE": "100000"})
        full_env.update(env or {})
        full_env = {k: v for k, v in full_env.items() if v is not None}  # None unsets
        self.log_file = open(self.log_path, "w")
        self.final_log = None  # the log once stopped cleanly (its file is then removed)
        self.proc = subprocess.Popen([CRM, command, *args], stdout=self.log_file,
                                     stderr=subprocess.STDOUT, env=full_env)
        self.port = self._wait_for_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.http = requests.Session()

    def _wait_for_port(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.log())
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                raise RuntimeError(f"crm {self.command} exited {self.proc.returncode}:\n"
                                   f"{self.log()}")
            time.sleep(0.05)
        raise RuntimeError(f"crm {self.command} did not start:\n" + self.log())

    def log(self):
        if self.final_log is not None:
            return self.final_log
        with open(self.log_path) as f:
            return f.read()

    def url(self, path):
        return self.base + path

    def get(self, path, **kw):
        return self.http.get(self.url(path), timeout=kw.pop("timeout", 30), **kw)

    def request(self, method, path, **kw):
        return self.http.request(method, self.url(path), timeout=kw.pop("timeout", 30), **kw)

    def signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        self.signalled = True

    def stop(self, timeout=30):
        """SIGTERM (unless a test sent its own signal: a second one would cut the drain short),
        then the exit status must be 0 with no sanitizer report."""
        if self.proc.poll() is None and not getattr(self, "signalled", False):
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout)
        self.http.close()
        self.log_file.close()
        log = self.log()
        for marker in SANITIZER_MARKERS:
            assert marker not in log, f"sanitizer report in the server log:\n{log}"
        hint = " (a ThreadSanitizer report: build-tsan/tsan-reports)" if rc == 66 else ""
        assert rc == 0, f"crm {self.command} exited {rc}{hint}:\n{log[-4000:]}"
        self.final_log = log  # a failed stop keeps the file, for whoever investigates
        os.unlink(self.log_path)
        return log


def assert_problem(resp, status, detail_part=None, field=None):
    """The response is an RFC 9457 problem with this status (and detail text, field)."""
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"] == "application/problem+json", resp.headers
    body = resp.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert isinstance(body["title"], str) and body["title"]
    assert body["request_id"] == resp.headers["X-Request-Id"]
    if detail_part is not None:
        assert detail_part in body["detail"], body
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


PASSWORD = "correct-horse-battery-9"
ROLES = ["admin", "practitioner", "receptionist", "sales", "viewer", "auditor"]


def platform(server, method, path, **kw):
    headers = kw.pop("headers", {})
    headers.setdefault("Authorization", f"Bearer {PLATFORM_KEY}")
    return server.request(method, path, headers=headers, **kw)


def login(server, slug, email, password=PASSWORD):
    return server.request("POST", "/api/v1/auth/login",
                          json={"tenant": slug, "email": email, "password": password})


class Tenant:
    """A tenant made through the platform API, with a signed-in user of every role."""

    def __init__(self, server, slug, modules=()):
        self.server = server
        self.slug = slug
        r = platform(server, "POST", "/platform/v1/tenants",
                     json={"name": f"Clinic {slug}", "slug": slug, "modules": list(modules),
                           "admin_email": f"admin@{slug}.test", "admin_password": PASSWORD,
                           "time_zone": "Europe/London", "default_country": "GB"})
        assert r.status_code == 201, r.text
        self.id = r.json()["id"]
        self.users = {"admin": r.json()["admin_user_id"]}
        self.tokens = {}
        self.refresh = {}
        self.sign_in("admin")
        for role in ROLES[1:]:
            r = self.request("admin", "POST", "/api/v1/users",
                             json={"email": self.email(role), "full_name": f"{role.title()} User",
                                   "role": role, "password": PASSWORD,
                                   "is_practitioner": role == "practitioner"})
            assert r.status_code == 201, r.text
            self.users[role] = r.json()["id"]
            self.sign_in(role)

    def email(self, role):
        return f"{role}@{self.slug}.test"

    def sign_in(self, role):
        r = login(self.server, self.slug, self.email(role))
        assert r.status_code == 200, r.text
        self.tokens[role] = r.json()["access_token"]
        self.refresh[role] = r.json()["refresh_token"]
        return r.json()

    def request(self, role, method, path, **kw):
        headers = kw.pop("headers", {})
        headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return self.server.request(method, path, headers=headers, **kw)
