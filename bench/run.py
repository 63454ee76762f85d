#!/usr/bin/env python3
"""run.py - the benchmark: a private PostgreSQL cluster seeded at clinic scale (bench/seed.sql),
the release build of `crm serve`, and wrk driving each scenario (bench/lua/scenario.lua) with
one thread and 64 connections; the same transactions run by pgbench give the floor. Prints a
table with the budgets and writes bench/results/latest-full.json (latest-quick.json with
--quick), replacing the previous run's: older figures live in docs/performance.md.

  make bench         full scale (1,000 tenants, 1,000,000 contacts in the largest)
  make bench-quick   small data and short runs, for before/after a change
"""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
os.environ.setdefault("CRM_BINARY", os.path.join(ROOT, "build", "crm"))

import requests  # noqa: E402

from crmtest import PASSWORD, PG_BIN, Postgres, Server, crm, default_key_set  # noqa: E402

# Per scale: the data, each scenario's run length, and the extra runs' (warm-up, 256
# connections, perf for token verification, pgbench -S's scale); quick skips the warm-up and
# the four-connection runs, so that `make bench-quick` stays under a minute.
SCALES = {
    "full": {"big_contacts": 1000000, "big_deals": 200000, "big_activities": 2000000,
             "big_appointments": 300000, "big_audit": 1000000, "small_tenants": 999,
             "small_contacts": 100, "practitioners": 50, "duration": "15s", "deep_pages": 1000,
             "warmup": "2s", "rss_run": "3s", "jwt_run": "5s", "pgbench_scale": 10,
             "low_concurrency": True},
    "quick": {"big_contacts": 20000, "big_deals": 4000, "big_activities": 40000,
              "big_appointments": 6000, "big_audit": 20000, "small_tenants": 20,
              "small_contacts": 50, "practitioners": 10, "duration": "2s", "deep_pages": 100,
              "warmup": None, "rss_run": "2s", "jwt_run": "2s", "pgbench_scale": 1,
              "low_concurrency": False},
}
SCENARIOS = ["get_contact", "list_first", "list_filtered", "list_deep", "search_name",
             "search_phone", "create_contact", "patch_contact", "create_appointment",
             "create_appointment_one_tenant", "timeline", "availability", "mixed",
             "login"]  # login last: its hashes outlast it
# The reads whose p99 is measured in an open loop, at this share of their closed-loop req/s:
# with 64 requests always in flight, latency is mostly the queue (docs/performance.md)
OPEN_LOOP = ["get_contact", "search_name", "search_phone"]
OPEN_LOOP_SHARE = 0.5
TOKEN_TENANTS = 8  # small tenants the load is spread over, besides the large one
BIG = "b0000000-0000-4000-8000-000000000000"


class BenchPostgres(Postgres):
    """The suite's private cluster, with pg_stat_statements (the floor reads the server's own
    statements from it) and a buffer cache that holds the large tenant's hot indexes."""

    def start(self):
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", self.data, "-l", self.log, "-o",
                  f"-p {self.port} -k {self.sock} -c listen_addresses='' -c fsync=off "
                  "-c full_page_writes=off -c synchronous_commit=off -c shared_buffers=512MB "
                  "-c shared_preload_libraries=pg_stat_statements -c max_connections=300")


def tenant_uuid(n):
    return f"b0000000-0000-4000-8000-{n:012d}"


def seed(pg, scale):
    out = crm("tenant", "create", "--name", "Hash", "--slug", "hash-source", "--admin-email",
              "hash@source.test", "--admin-password", PASSWORD,
              env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 0, out.stderr
    pw_hash = pg.sql("SELECT password_hash FROM users WHERE email = 'hash@source.test'")[0][0]
    args = ["psql", "-X", "-q", "-d", pg.url("postgres"), "-v", f"password_hash={pw_hash}"]
    for k in ("big_contacts", "big_deals", "big_activities", "big_appointments", "big_audit",
              "small_tenants", "small_contacts", "practitioners"):
        args += ["-v", f"{k}={scale[k]}"]
    started = time.monotonic()
    # the audit chain is one sequential loop: it runs beside the set-based rest
    audit = subprocess.Popen(args + ["-f", os.path.join(ROOT, "bench", "seed_audit.sql")],
                             stdout=subprocess.DEVNULL)
    subprocess.run(args + ["-f", os.path.join(ROOT, "bench", "seed.sql")], check=True,
                   stdout=subprocess.DEVNULL)
    indexes = [subprocess.Popen(args + ["-v", f"half={half}", "-f",
                                        os.path.join(ROOT, "bench", "seed_indexes.sql")],
                                stdout=subprocess.DEVNULL) for half in (0, 1)]
    if any(p.wait() != 0 for p in indexes):
        raise RuntimeError("seed_indexes.sql failed")
    if audit.wait() != 0:
        raise RuntimeError("seed_audit.sql failed")
    pg.sql("DROP TABLE bench_indexes; ANALYZE", dbname="crm")
    pg.sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    return round(time.monotonic() - started, 1)


def login(server, slug):
    r = server.request("POST", "/api/v1/auth/login",
                       json={"tenant": slug, "email": f"receptionist@{slug}.test",
                             "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def lua_value(v):
    if isinstance(v, dict):
        return "{" + ", ".join(f"[{json.dumps(k)}] = {lua_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "{" + ", ".join(lua_value(x) for x in v) + "}"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(v)


def bench_data(server, pg, scale):
    """What the load script needs: tokens, contact counts, practitioners, search terms."""
    big = {"n": 0, "slug": "bench-big", "contacts": scale["big_contacts"],
           "email": "receptionist@bench-big.test"}
    big["token"] = login(server, "bench-big")
    tenants = [big]
    for n in range(1, TOKEN_TENANTS + 1):
        slug = f"bench-{n:04d}"
        tenants.append({"n": n, "slug": slug, "contacts": scale["small_contacts"],
                        "email": f"receptionist@{slug}.test", "token": login(server, slug)})
    slugs = ", ".join(f"'{t['slug']}'" for t in tenants)
    for t in tenants:
        t["practitioners"] = []
    by_slug = {t["slug"]: t for t in tenants}
    for slug, uid in pg.sql("SELECT t.slug, u.id FROM users u JOIN tenants t ON t.id = u.tenant_id"
                            " JOIN clinic_practitioners p ON p.tenant_id = u.tenant_id"
                            f" AND p.id = u.id WHERE t.slug IN ({slugs})"
                            " ORDER BY u.email"):
        by_slug[slug]["practitioners"].append(uid)
    practitioners = big["practitioners"]
    phones = [r[0] for r in pg.sql(f"SELECT substr(phone, 6, 5) FROM contacts"
                                   f" WHERE tenant_id = '{BIG}' ORDER BY id LIMIT 40")]
    days = [r[0] for r in pg.sql("SELECT to_char(current_date + 40 + d, 'YYYY-MM-DD')"
                                 " FROM generate_series(0, 3000) d")]
    week = pg.sql("SELECT to_char(date_trunc('week', current_date + 7), 'YYYY-MM-DD\"T\"00:00:00Z'),"
                  " to_char(date_trunc('week', current_date + 7) + interval '7 days',"
                  " 'YYYY-MM-DD\"T\"00:00:00Z')")[0]
    # the cursor of the page deep_pages pages into the newest-first list, walked for real
    cursor = None
    headers = {"Authorization": f"Bearer {big['token']}"}
    for _ in range(scale["deep_pages"]):
        params = {"limit": "50"} | ({"cursor": cursor} if cursor else {})
        cursor = server.request("GET", "/api/v1/contacts", params=params,
                                headers=headers).json()["next_cursor"]
    return {"big": big, "tenants": tenants, "practitioners": practitioners, "phones": phones,
            "prefixes": ["oli", "smi", "pat", "kha", "wil", "tay", "gar", "ngu", "sof", "hug",
                         "mia", "oka", "jon", "lew", "chl", "kow"],
            "days": days, "free_from_day": 0, "week_from": week[0], "week_to": week[1],
            "deep_cursor": requests.utils.quote(cursor, safe=""), "password": PASSWORD,
            "patch_from": 0, "run": 0}


def proc_stat(pid):
    """The fields of /proc/<pid>/stat after the command name: [0] state, [1] parent, [11] and
    [12] user and system CPU in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_s(fields):
    """CPU seconds (user + system) of proc_stat's fields."""
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ProcessWatch:
    """CPU seconds and the peak resident set of a process while a scenario runs."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _rss(self):
        with open(f"/proc/{self.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def cpu_s(self):
        return cpu_s(proc_stat(self.pid))

    def _sample(self):
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, self._rss())
            time.sleep(0.05)

    def __enter__(self):
        self.cpu_start = self.cpu_s()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.cpu = self.cpu_s() - self.cpu_start


def cluster_cpu_s(pg):
    """CPU seconds used so far by the cluster's processes (the postmaster's children)."""
    with open(os.path.join(pg.data, "postmaster.pid")) as f:
        postmaster = f.readline().strip()
    total = 0
    for pid in os.listdir("/proc"):
        try:
            fields = proc_stat(pid)
        except (OSError, IndexError):
            continue
        if fields[1] == postmaster or pid == postmaster:
            total += cpu_s(fields)
    return total


def wait_db_idle(pg, quiet=1.0, limit=60):
    """Until the cluster has used under 2 % of a core for `quiet` seconds (at most `limit`):
    an open loop measures the tail, and a checkpoint or an autovacuum pass running beside it
    would be part of it (four repeated open loops of GET by id at full scale gave p99 2.0,
    2.5, 4.0 and 18.3 ms)."""
    deadline = time.monotonic() + limit
    last = cluster_cpu_s(pg)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = cluster_cpu_s(pg)
        if now - last < 0.02 * quiet:
            return
        last = now


def machine_ticks():
    """The machine's CPU time so far by kind, from /proc/stat: busy, idle, iowait, steal."""
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq, steal = map(int, f.readline().split()[1:9])
    return {"busy": user + nice + system + irq + softirq, "idle": idle, "iowait": iowait,
            "steal": steal}


def machine_shares(before, ours_s):
    """Each kind's share of the CPU time since before, in %: a run whose cores sat idle or
    waited for the disk or the hypervisor measured the machine, not the server. And
    "others_pct": the busy time not spent by the server, the cluster or wrk (ours_s, CPU
    seconds), such as builds and tests sharing the machine."""
    now = machine_ticks()
    spent = {k: now[k] - before[k] for k in now}
    total = max(sum(spent.values()), 1)
    shares = {f"{k}_pct": round(100 * v / total, 1) for k, v in spent.items()}
    others = spent["busy"] - ours_s * os.sysconf("SC_CLK_TCK")
    return shares | {"others_pct": round(max(0, 100 * others / total), 1)}


def children_cpu_s():
    """CPU seconds of this process's finished children (wrk's, after it ran)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_idle(pid, quiet=0.1, limit=10):
    """Until the process has used no CPU for `quiet` seconds (at most `limit`): a scenario
    must not start while the server still answers the last one's requests (sign-ins hold
    argon2id's memory for a second or two after wrk stops)."""
    deadline = time.monotonic() + limit
    last = cpu_s(proc_stat(pid))
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = cpu_s(proc_stat(pid))
        if now == last:
            return
        last = now


def wrk(server, data, data_path, scenario, duration, connections=64, settle=True, rate=None):
    """One wrk run of the scenario: closed loop (each connection sends its next request when
    the last is answered), or with rate (requests/s) an open loop, whose latencies count from
    each request's scheduled time (bench/lua/scenario.lua)."""
    if settle:
        wait_idle(server.proc.pid)
    data["run"] += 1
    with open(data_path, "w") as f:
        f.write("return " + lua_value(data) + "\n")
    env = dict(os.environ, CRM_BENCH_DATA=data_path, CRM_BENCH_SCENARIO=scenario)
    if rate:
        env["CRM_BENCH_RATE"] = str(round(rate, 1))
    log_start = os.path.getsize(server.log_path)
    db_cpu, wrk_cpu = cluster_cpu_s(server.pg), children_cpu_s()
    ticks = machine_ticks()
    with ProcessWatch(server.proc.pid) as watch:
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}", "--timeout",
                              "10s", "-s", os.path.join(ROOT, "bench", "lua", "scenario.lua"),
                              server.url("")], capture_output=True, text=True, env=env)
    db_cpu = cluster_cpu_s(server.pg) - db_cpu
    machine = machine_shares(ticks, watch.cpu + db_cpu + children_cpu_s() - wrk_cpu)
    m = re.search(r"^JSON (.*)$", out.stdout, re.M)
    if not m:
        raise RuntimeError(f"wrk {scenario}: {out.stdout}\n{out.stderr}")
    r = json.loads(m.group(1))
    r["scenario"] = scenario
    r["connections"] = connections
    r["machine"] = machine
    r["rps"] = round(r["requests"] / r["seconds"], 1)
    r["errors"] = r.pop("socket_errors") + r.pop("non2xx")
    if r["errors"]:  # which answers, from the access log
        with open(server.log_path) as f:
            f.seek(log_start)
            statuses = re.findall(r'"route":"([^"]*)","status":([45]\d\d)', f.read())
        r["error_statuses"] = {f"{route} {st}": statuses.count((route, st))
                               for route, st in sorted(set(statuses))}
    r["peak_rss_mib"] = round(watch.peak_kib / 1024, 1)
    r["cpu_s_per_1000"] = round(watch.cpu / max(r["requests"], 1) * 1000, 3)
    # the database's share: steadier than req/s on a shared machine, for before/after checks
    r["db_cpu_s_per_1000"] = round(db_cpu / max(r["requests"], 1) * 1000, 3)
    # the next run starts past every numbered request the script made, answered or not (in
    # flight when wrk stopped, or remade after a reconnection): contacts changed once, slots
    # booked once
    made = r.pop("counter")
    if scenario in ("patch_contact", "mixed"):
        data["patch_from"] += made
    if scenario.startswith("create_appointment"):
        tenants = [data["big"]] if scenario.endswith("one_tenant") else data["tenants"]
        fewest = min(len(t["practitioners"]) for t in tenants)
        data["free_from_day"] += made // len(tenants) // (fewest * 24) + 2
    return r


def statement_log(pg, send):
    """PostgreSQL's log of every statement while send() makes its requests."""
    pg.sql("ALTER SYSTEM SET log_min_duration_statement = 0", dbname="postgres")
    pg.sql("SELECT pg_reload_conf()", dbname="postgres")
    time.sleep(0.3)
    with open(pg.log) as f:
        f.seek(0, 2)
        start = f.tell()
    send()
    pg.sql("ALTER SYSTEM RESET log_min_duration_statement", dbname="postgres")
    pg.sql("SELECT pg_reload_conf()", dbname="postgres")
    with open(pg.log) as f:
        f.seek(start)
        return f.read()


LOG_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(\d+)\] ", re.M)
EXECUTE = re.compile(r"LOG: .*? execute ((?:core|clinic)\.[a-z_]+): (.*)", re.S)


def log_entries(text):
    """The log's entries as (backend pid, message): a statement's text spans lines (the .sql
    files keep their line breaks), each later line belonging to the entry above it."""
    starts = list(LOG_ENTRY.finditer(text))
    return [(m.group(1), text[m.end():starts[k + 1].start() if k + 1 < len(starts)
                              else len(text)].rstrip("\n"))
            for k, m in enumerate(starts)]


def server_statements(pg, server, token):
    """The exact text of the server's prepared statements, as PostgreSQL logs them while one
    request of each kind runs (pg_stat_statements would give them with constants replaced)."""
    headers = {"Authorization": f"Bearer {token}"}
    cid = "c0000000-0000-4000-8000-000000000001"

    def send():
        for _ in range(8):  # past PostgreSQL's five custom plans, like the load
            assert server.request("GET", f"/api/v1/contacts/{cid}", headers=headers).ok
            assert server.request("GET", "/api/v1/contacts", params={"limit": "50"},
                                  headers=headers).ok
            assert server.request("GET", "/api/v1/search", params={"q": "oli"},
                                  headers=headers).ok
    found = {}
    for _, message in log_entries(statement_log(pg, send)):
        m = EXECUTE.search(message)
        if m:
            found.setdefault(m.group(1), m.group(2))
    return found


def contact_id(t, i):
    return f"c{t['n']:07x}-0000-4000-8000-{i:012d}"


def server_writes(pg, server, data):
    """One contact creation and one booking in each tenant of the load, as the server sent
    them: {tenant id: {"contact": [...], "booking": [...]}}, each the transaction's named
    statements in order (prelude first) as (name, text, {n: the bound value as a literal})."""
    day = data["days"][data["free_from_day"]]
    data["free_from_day"] += 1

    def send():
        for t in data["tenants"]:
            # no User-Agent, like wrk's requests
            headers = {"Authorization": f"Bearer {t['token']}", "User-Agent": None}
            r = server.request("POST", "/api/v1/contacts", headers=headers,
                               json={"type": "lead", "first_name": "Capture",
                                     "last_name": f"Run{data['run']}",
                                     "email": f"capture.{t['n']}.{data['run']}@bench.test"})
            assert r.status_code == 201, r.text
            r = server.request("POST", "/api/v1/appointments", headers=headers,
                               json={"patient_id": contact_id(t, 5),
                                     "practitioner_id": t["practitioners"][0],
                                     "appointment_time": f"{day}T08:00:00Z",
                                     "duration_minutes": 30})
            assert r.status_code == 201, r.text
    entries = log_entries(statement_log(pg, send))
    tx, writes = {}, {}  # tx: each backend's transaction so far
    for i, (pid, message) in enumerate(entries):
        m = EXECUTE.search(message)
        if not m:
            continue
        name, text = m.groups()
        params = {}
        detail = next((d for p, d in entries[i + 1:] if p == pid), "")
        if "DETAIL:  parameters: " in detail:
            params = {int(n): v for n, v in re.findall(r"\$(\d+) = (NULL|'(?:[^']|'')*')",
                                                       detail)}
        if name == "core.tx_prelude":
            tx[pid] = []
        if pid not in tx:
            continue
        tx[pid].append((name, text, params))
        kind = {"core.contact_create": "contact", "clinic.create": "booking"}.get(name)
        if kind:
            tenant = tx[pid][0][2][2].strip("'")
            writes.setdefault(tenant, {})[kind] = tx.pop(pid)
    return writes


def bind(sql, values):
    for n in sorted(values, reverse=True):
        sql = sql.replace(f"${n}", values[n])
    return sql


def pgbench(pg, script, duration, clients=64, extra=(), latency=None):
    """Transactions per second of script (pgbench's own with an empty one). With latency (a
    dict), also the transactions' p50 and p99 in ms, from pgbench's per-transaction log, and
    their number. A client whose transaction fails ends the run with an error: a floor is of
    transactions that did their work."""
    logs = tempfile.mkdtemp(prefix="crm-pgbench-")
    os.chmod(logs, 0o777)
    args = [os.path.join(PG_BIN, "pgbench"), "-n", "-c", str(clients), "-j", "2", "-T",
            duration.rstrip("s"), "-d", pg.url(), *extra]
    if script:
        path = os.path.join(logs, "script.sql")
        with open(path, "w") as f:
            f.write(script)
        os.chmod(path, 0o644)
        args += ["-M", "prepared", "-f", path]
    args += ["-l", "--log-prefix", os.path.join(logs, "tx")] if latency is not None else []
    out = subprocess.run(args, capture_output=True, text=True, cwd=logs)
    if latency is not None:  # "client transaction latency_us script epoch epoch_us" per line
        us = sorted(int(line.split()[2]) for name in os.listdir(logs) if name.startswith("tx")
                    for line in open(os.path.join(logs, name)))
        if us:
            latency["p50_ms"] = round(us[len(us) // 2] / 1000, 2)
            latency["p99_ms"] = round(us[min(len(us) - 1, len(us) * 99 // 100)] / 1000, 2)
        latency["transactions"] = len(us)
    shutil.rmtree(logs, ignore_errors=True)
    m = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out.stdout)
    if out.returncode != 0 or not m:
        raise RuntimeError(f"pgbench: {out.stdout}\n{out.stderr[-4000:]}")
    return round(float(m.group(1)), 1)


def as_app(pg, tenant_id, sql):
    """The rows of sql run as the app role in the tenant's context, rolled back."""
    return pg.sql(f"BEGIN; SET LOCAL ROLE crm_app; SELECT set_config('app.tenant_id',"
                  f" '{tenant_id}', true); {sql}; ROLLBACK;")[1:]  # [0]: set_config's


def explains(pg, sql, scale):
    """EXPLAIN (ANALYZE, BUFFERS) of the hot statements at this scale, as the app role in the
    large tenant, rolled back (a patient read or page writes its audit row)."""
    deep = pg.sql(f"SELECT created_at::text, id FROM contacts WHERE tenant_id = '{BIG}'"
                  f" ORDER BY created_at DESC, id DESC OFFSET {scale['deep_pages'] * 50 - 1}"
                  " LIMIT 1")[0]
    big = f"'{BIG}'"  # the tenant the server binds as a statement's last parameter
    page = {1: "NULL", 2: "NULL", 3: "NULL", 4: "NULL", 5: "NULL", 6: "'f'", 9: "'51'",
            10: "'{}'", 11: big}
    cases = {
        "get_contact": bind(sql["core.contact_get"],
                            {1: "'c0000000-0000-4000-8000-000000012345'::uuid", 2: big}),
        "list_first": bind(sql["core.contacts_list_created_desc"], page | {7: "NULL", 8: "NULL"}),
        "list_deep": bind(sql["core.contacts_list_created_desc"],
                          page | {7: f"'{deep[0]}'", 8: f"'{deep[1]}'"}),
        "search_prefix": "SELECT * FROM search_candidates('oli', NULL, 21)",
        "search_phone": "SELECT * FROM search_candidates('12345', '12345', 21)",
        "search_typo": "SELECT * FROM search_candidates('olivai', NULL, 21)",
    }
    out = {}
    for name, stmt in cases.items():
        rows = as_app(pg, BIG, f"EXPLAIN (ANALYZE, BUFFERS) {stmt}")
        out[name] = "\n".join("|".join(r) for r in rows)
    return out


def floors(pg, server, token, scale, duration):
    """The server's own transactions for GET by id and the first list page, through pgbench;
    and the plans of the hot statements."""
    sql = server_statements(pg, server, token)
    prelude, contact_get = sql["core.tx_prelude"], sql["core.contact_get"]
    audit, listing = sql["core.contact_audit_read"], sql["core.contacts_list_created_desc"]
    # the request's tenant: the prelude's $2, and the last parameter of a statement that names
    # it (current_tenant_id() in its .sql, bound by the server; docs/sql.md)
    tenant = "('b0000000-0000-4000-8000-' || lpad(:t::text, 12, '0'))"
    contact = ("('c' || lpad(to_hex(:t::int), 7, '0') || '-0000-4000-8000-' ||"
               " lpad(:i::text, 12, '0'))::uuid")
    pre = {1: "'crm_app'", 2: tenant, 3: "''", 4: "'pgbench'", 5: "'5000'",
           6: "'receptionist'", 7: "'127.0.0.1'", 8: "'pgbench'", 9: "''"}
    by_id = (f"\\set t random(0, {TOKEN_TENANTS})\n"
             f"\\set i random(1, case when :t = 0 then {scale['big_contacts']}"
             f" else {scale['small_contacts']} end)\n"
             "BEGIN;\n" + bind(prelude, pre) + ";\n"
             + bind(contact_get, {1: contact, 2: tenant}) + ";\n"
             + bind(audit, {1: contact, 2: tenant}) + ";\nCOMMIT;\n")
    first_page = ("\\set t 0\nBEGIN;\n" + bind(prelude, pre) + ";\n"
                  + bind(listing, {1: "NULL", 2: "NULL", 3: "NULL", 4: "NULL", 5: "NULL",
                                   6: "'f'", 7: "NULL", 8: "NULL", 9: "'51'", 10: "'{}'",
                                   11: tenant})
                  + ";\nCOMMIT;\n")
    get_latency, list_latency = {}, {}
    floor = {"get_contact": pgbench(pg, by_id, duration, latency=get_latency),
             "list_first": pgbench(pg, first_page, duration, latency=list_latency)}
    # the floor's own latency at 64 clients: a bound no server in front of it can beat
    floor |= {f"get_contact_{k}": v for k, v in get_latency.items()}
    floor |= {f"list_first_{k}": v for k, v in list_latency.items()}
    return floor, explains(pg, sql, scale)


def by_tenant(values):
    """One SQL value per tenant of the load, for pgbench's :t (0 the large one): the value
    itself when all are the same."""
    if len(set(values)) == 1:
        return values[0]
    if all(re.fullmatch(r"-?\d+", str(v)) for v in values):  # a pgbench expression
        return "case " + " ".join(f"when :t = {t} then {v}" for t, v in
                                  enumerate(values)) + " end"
    return f"(ARRAY[{', '.join(values)}]::text[])[:t + 1]"


def statements(txs, changes):
    """The statements of one transaction the server sent in each tenant (txs, by tenant),
    each with its bound values, per tenant where they differ and some replaced (changes:
    {name: {n: SQL}}): the body of a pgbench script."""
    out = ""
    for j, (name, text, _) in enumerate(txs[0]):
        assert all(tx[j][0] == name for tx in txs), "the tenants' transactions differ"
        values = {n: by_tenant([tx[j][2][n] for tx in txs]) for n in txs[0][j][2]}
        out += bind(text, values | changes.get(name, {})) + ";\n"
    return out


def booking_base(pg):
    """Midnight (UTC) of the day after the latest appointment: a booking floor's slots from
    there are free."""
    return pg.sql("SELECT to_char(max(starts_at)::date + 1, 'YYYY-MM-DD') FROM"
                  " clinic_appointments")[0][0] + "T00:00:00Z"


def write_floors(pg, server, data, duration, clients=64):
    """The server's own transactions for contact creation and booking (prelude, statements,
    the audit trigger and chain at commit), replayed by pgbench at the load's 64 clients, with
    the values the server bound in each tenant, over the load's tenants (:t, at random) or in
    the large one: each transaction a new contact (a new name and email), or a free slot
    (practitioner by turn, a random patient: the load script's way). Each run's rows are
    counted afterwards: a transaction that wrote nothing would flatter its floor."""
    writes = server_writes(pg, server, data)
    tenants = data["tenants"]  # tenant :t is tenants[t], n = t
    contact = [writes[tenant_uuid(t["n"])]["contact"] for t in tenants]
    booking = [writes[tenant_uuid(t["n"])]["booking"] for t in tenants]
    offsets = [sum(len(u["practitioners"]) for u in tenants[:t]) for t in range(len(tenants))]
    practitioners = ", ".join(f"'{p}'" for t in tenants for p in t["practitioners"])
    pick = f"\\set t random(0, {len(tenants) - 1})\n"
    contact_script = (pick + "\\set n :n + 1\nBEGIN;\n" + statements(contact, {
        "core.contact_create": {
            2: "('Floor' || :n::text)",
            4: "('floor' || :client_id::text || '.' || :n::text || '@bench.test')"}})
        + "COMMIT;\n")

    def booking_script(pick, base):
        # booking u of the run (u = n * clients + client: each once): practitioner u % p of
        # the tenant's, slot u / p, 24 half-hours a day from 08:00
        return (pick + "\\set n :n + 1\n"
                f"\\set u :n * {clients} + :client_id\n"
                f"\\set p {by_tenant([len(t['practitioners']) for t in tenants])}\n"
                f"\\set off {by_tenant(offsets)}\n"
                f"\\set c {by_tenant([t['contacts'] for t in tenants])}\n"
                "\\set k :off + :u % :p + 1\n"
                "\\set m :u / :p / 24 * 1440 + 480 + 30 * ((:u / :p) % 24)\n"
                "\\set i 5 * random(0, :c / 5 - 1) + 5\n"
                "BEGIN;\n" + statements(booking, {"clinic.create": {
                    1: "('c' || lpad(to_hex(:t::int), 7, '0') || '-0000-4000-8000-'"
                       " || lpad(:i::text, 12, '0'))",
                    2: f"((ARRAY[{practitioners}]::text[])[:k])",
                    3: f"(timestamptz '{base}' + make_interval(mins => :m))"}})
                + "COMMIT;\n")
    floor = {}

    def run(name, script, count):
        latency = {}
        floor[name] = pgbench(pg, script, duration, clients=clients, latency=latency,
                              extra=["-D", "n=0"])
        floor.update({f"{name}_{k}": v for k, v in latency.items()})
        written = int(pg.sql(count)[0][0])
        if written < latency["transactions"]:
            raise RuntimeError(f"{name} floor: {latency['transactions']} transactions wrote"
                               f" {written} rows")
    run("create_contact", contact_script,
        "SELECT count(*) FROM contacts WHERE email LIKE 'floor%@bench.test'")
    base = booking_base(pg)
    run("create_appointment", booking_script(pick, base),
        f"SELECT count(*) FROM clinic_appointments WHERE starts_at >= '{base}'")
    base = booking_base(pg)
    run("create_appointment_one_tenant", booking_script("\\set t 0\n", base),
        f"SELECT count(*) FROM clinic_appointments WHERE starts_at >= '{base}'")
    return floor


JWT_SYMBOLS = re.compile(r"crm_jws_|crm_b64url_|crm_check_claims|crm_check_header|"
                         r"crm_decode_json_segment|crm_verify_sig|hmacsha256|sha256")


def jwt_share(server, data, data_path, duration):
    """The share of the server's CPU samples in token verification during GET by id, from
    perf (None without perf): symbols of jws.c, base64url, HMAC-SHA-256."""
    if subprocess.run(["which", "perf"], capture_output=True).returncode != 0:
        return None
    out = tempfile.mktemp(suffix=".perf")
    wait_idle(server.proc.pid)
    rec = subprocess.Popen(["perf", "record", "-F", "2000", "-o", out, "-p",
                            str(server.proc.pid), "--", "sleep", duration.rstrip("s")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wrk(server, data, data_path, "get_contact", duration, settle=False)
    rec.wait()
    report = subprocess.run(["perf", "report", "-i", out, "--no-children", "--sort", "symbol",
                             "--stdio", "-g", "none", "--no-inline"], capture_output=True,
                            text=True).stdout
    os.unlink(out)
    share = sum(float(m.group(1)) for m in re.finditer(r"^\s+([\d.]+)%\s+\S+\s+(\S+)", report, re.M)
                if JWT_SYMBOLS.search(m.group(2)))
    return round(share, 2)


def startup_ms(pg):
    """From exec to the first 200 of /readyz."""
    env = dict(os.environ, CRM_DATABASE_URL=pg.url(), CRM_LISTEN="127.0.0.1:18099",
               CRM_JWT_KEYS=default_key_set(), CRM_LOG_LEVEL="warn")
    started = time.monotonic()
    proc = subprocess.Popen([os.environ["CRM_BINARY"], "serve"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.monotonic() - started < 10:
            try:
                if requests.get("http://127.0.0.1:18099/readyz", timeout=1).status_code == 200:
                    return round((time.monotonic() - started) * 1000, 1)
            except requests.ConnectionError:
                pass
            time.sleep(0.002)
        return None
    finally:
        proc.terminate()
        proc.wait()


def audit_chains(pg, tenants):
    """Whether the audit logs the load wrote to still verify, every lane of them (concurrent
    commits into one tenant must not fork a chain): {"ok", "rows_checked", "tenants"}."""
    slugs = ", ".join(f"'{t['slug']}'" for t in tenants)
    ok, rows = True, 0
    for (tenant_id,) in pg.sql(f"SELECT id FROM tenants WHERE slug IN ({slugs})"):
        got = as_app(pg, tenant_id, "SELECT ok, rows_checked FROM audit_verify()")[0]
        ok = ok and got[0] == "t"
        rows += int(got[1])
    return {"ok": ok, "rows_checked": rows, "tenants": len(tenants)}


# The floors, as the table names them: (name, key in the floor dict and scenario)
FLOORS = [("GET by id", "get_contact"), ("list 50", "list_first"),
          ("create contact", "create_contact"),
          ("create appointment (nine tenants)", "create_appointment"),
          ("create appointment (one tenant)", "create_appointment_one_tenant")]


def budgets(results, opened, floor, rss_256, start_ms, jwt, chains):
    by = {r["scenario"]: r for r in results}
    open_by = {r["scenario"]: r for r in opened}
    checks = []

    def check(name, ok, figure):
        checks.append({"budget": name, "ok": bool(ok), "figure": figure})

    def share(scenario):
        return by[scenario]["rps"] / floor[scenario]

    check("GET by id >= 70 % of its pgbench floor", share("get_contact") >= 0.7,
          f"{share('get_contact'):.0%}")
    # p99 at half the throughput, from the due times; a run that could not send at the rate
    # asked misses the requests that never left, so it does not pass
    for s, name, limit in (("get_contact", "GET by id", 5), ("search_name", "name search", 20)):
        o = open_by[s]
        check(f"{name} p99 <= {limit} ms, open loop at {OPEN_LOOP_SHARE * 100:.0f} % of its"
              " req/s",
              o["p99_ms"] <= limit and o["kept_up"],
              f"{o['p99_ms']:.2f} ms at {o['rate']:.0f} req/s"
              + ("" if o["kept_up"] else f" (sent only {o['rps']}/s)")
              + f"; {by[s]['p99_ms']:.2f} ms closed at 64 connections")
    lf = by["list_first"]
    check("list 50 >= 60 % of its floor", share("list_first") >= 0.6,
          f"{share('list_first'):.0%}")
    ld = by["list_deep"]
    check("a deep page as fast as the first (within 20 %)", ld["rps"] >= 0.8 * lf["rps"],
          f"{ld['rps'] / lf['rps']:.0%} of the first page's req/s")
    for name, s in FLOORS[2:]:
        check(f"{name} >= 70 % of its pgbench floor", share(s) >= 0.7,
              f"{share(s):.0%} ({by[s]['rps']}/s against {floor[s]} tps)")
    errors = {r["scenario"] + (" (open loop)" if "rate" in r else ""): r["errors"]
              for r in results + opened if r["errors"]}
    check("zero errors in every scenario", not errors, json.dumps(errors) if errors else "0")
    check("audit chains verify after the load", chains["ok"] and chains["rows_checked"] > 0,
          f"{chains['rows_checked']} rows in {chains['tenants']} tenants")
    check("server RSS <= 64 MiB at 256 connections", rss_256 <= 64, f"{rss_256} MiB")
    check("start to ready <= 200 ms", start_ms is not None and start_ms <= 200, f"{start_ms} ms")
    check("JWT verification <= 2 % of GET-by-id server CPU (perf)", jwt is not None and jwt <= 2,
          "perf not found" if jwt is None else f"{jwt} %")
    return checks


def open_loop(server, data, data_path, closed, dur):
    """The scenario of a closed-loop result again, in an open loop at OPEN_LOOP_SHARE of its
    req/s; "kept_up": whether wrk sent at the rate asked (else the p99 misses the requests
    that were due but never left)."""
    wait_db_idle(server.pg)
    r = wrk(server, data, data_path, closed["scenario"], dur,
            rate=OPEN_LOOP_SHARE * closed["rps"])
    r["kept_up"] = r["rps"] >= 0.95 * r["rate"]
    return r


def only(server, data, data_path, scenarios, repeat, dur):
    """Targeted runs: the named scenarios, repeated, one line each (and the open loop's of
    the reads that have one)."""
    for _ in range(repeat):
        for s in scenarios:
            r = wrk(server, data, data_path, s, dur)
            print(f"{s:<20} {r['rps']:>9} req/s  p50 {r['p50_ms']:>7.2f} ms"
                  f"  p99 {r['p99_ms']:>8.2f} ms  errors {r['errors']}"
                  f"  CPU s/1k {r['cpu_s_per_1000']} (database {r['db_cpu_s_per_1000']})"
                  f"  machine idle {r['machine']['idle_pct']} %, io wait"
                  f" {r['machine']['iowait_pct']} %, steal {r['machine']['steal_pct']} %,"
                  f" others {r['machine']['others_pct']} %",
                  flush=True)
            if s in OPEN_LOOP:
                o = open_loop(server, data, data_path, r, dur)
                print(f"{'  open loop':<20} {o['rps']:>9} req/s  p50 {o['p50_ms']:>7.2f} ms"
                      f"  p99 {o['p99_ms']:>8.2f} ms  errors {o['errors']}"
                      f"  (asked {o['rate']} req/s{'' if o['kept_up'] else ', not kept up'};"
                      f" from the sending: p99 {o['sent_p99_ms']:.2f} ms)", flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small data and short runs")
    ap.add_argument("--only", metavar="SCENARIO[,...]",
                    help="run these scenarios only, each --repeat times; no floor, no budgets,"
                         " no results file (for before/after checks of one path)")
    ap.add_argument("--repeat", type=int, default=1, metavar="N")
    ap.add_argument("--audit-lanes", type=int, default=4, choices=range(1, 17), metavar="N",
                    help="settings.audit_lanes of every bench tenant (default 4: a large"
                         " clinic's writers would otherwise queue for one audit chain)")
    opts = ap.parse_args()
    if opts.only:
        unknown = set(opts.only.split(",")) - set(SCENARIOS)
        if unknown:
            ap.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    scale = SCALES["quick" if opts.quick else "full"]
    dur = os.environ.get("CRM_BENCH_DURATION", scale["duration"])
    pg = BenchPostgres()
    pg.start()
    server = None
    scratch = tempfile.mkdtemp(prefix="crm-bench-")  # the load scripts' data
    try:
        pg.bootstrap()
        seed_s = seed(pg, scale)
        print(f"seeded in {seed_s} s", flush=True)
        pg.sql("UPDATE tenants SET settings = settings || jsonb_build_object('audit_lanes',"
               f" {opts.audit_lanes}) WHERE slug LIKE 'bench-%'")
        # the load wrote gigabytes: write them out now, not while the scenarios run
        pg.sql("CHECKPOINT")
        os.sync()
        # wrk opens up to 256 connections from one address (the RSS figure)
        server = Server(pg, env={"CRM_THREADS": os.environ.get("CRM_BENCH_THREADS", "4"),
                                 "CRM_MAX_CONNECTIONS_PER_IP": "0"})
        server.pg = pg  # for the cluster's CPU time
        data = bench_data(server, pg, scale)
        data_path = os.path.join(scratch, "data.lua")
        if scale["warmup"]:
            wrk(server, data, data_path, "get_contact", scale["warmup"])
        if opts.only:
            return only(server, data, data_path, opts.only.split(","), opts.repeat, dur)
        results, opened = [], []
        for s in SCENARIOS:
            r = wrk(server, data, data_path, s, dur)
            results.append(r)
            print(f"{s:<20} {r['rps']:>9} req/s  p99 {r['p99_ms']:>8.2f} ms"
                  f"  errors {r['errors']}", flush=True)
            # latency at half the throughput, requests sent on a schedule, right after its
            # closed loop and before the writes leave vacuum work behind (docs/performance.md)
            if s in OPEN_LOOP:
                opened.append(open_loop(server, data, data_path, r, dur))
        # latency without queueing: the same reads with four connections
        low = [wrk(server, data, data_path, sc, dur, connections=4)
               for sc in ("get_contact", "search_name") if scale["low_concurrency"]]
        rss_256 = wrk(server, data, data_path, "get_contact", scale["rss_run"], connections=256)
        jwt = jwt_share(server, data, data_path, scale["jwt_run"])
        floor, plans = floors(pg, server, data["big"]["token"], scale, dur)
        floor |= write_floors(pg, server, data, dur)
        floor["pgbench_S"] = None
        subprocess.run([os.path.join(PG_BIN, "pgbench"), "-i", "-q", "-s",
                        str(scale["pgbench_scale"]), "-d", pg.url()],
                       capture_output=True, check=True)
        floor["pgbench_S"] = pgbench(pg, "", dur, extra=["-S"])
        start_ms = startup_ms(pg)
        chains = audit_chains(pg, data["tenants"])
    finally:
        if server:
            server.stop()
        pg.destroy()
        shutil.rmtree(scratch, ignore_errors=True)
    checks = budgets(results, opened, floor, rss_256["peak_rss_mib"], start_ms, jwt, chains)
    print()
    print(f"{'scenario':<20} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9}"
          f" {'errors':>7} {'RSS MiB':>8} {'CPU s/1k':>9} {'DB s/1k':>8}"
          f" {'idle/io/steal/others %':>23}")
    for r in results:
        m = r["machine"]
        print(f"{r['scenario']:<20} {r['rps']:>9} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}"
              f" {r['p999_ms']:>9.2f} {r['errors']:>7} {r['peak_rss_mib']:>8}"
              f" {r['cpu_s_per_1000']:>9} {r['db_cpu_s_per_1000']:>8}"
              f" {m['idle_pct']:>6}/{m['iowait_pct']}/{m['steal_pct']}/{m['others_pct']}")
    for r in opened:
        print(f"{r['scenario']} in an open loop at {r['rate']} req/s"
              f" ({OPEN_LOOP_SHARE * 100:.0f} % of its throughput; sent {r['rps']}/s): p50"
              f" {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, p99.9 {r['p999_ms']:.2f} ms"
              f" from the due times (p99 {r['sent_p99_ms']:.2f} ms from the sending)")
    for r in low:
        print(f"{r['scenario']} at 4 connections: {r['rps']} req/s, p50 {r['p50_ms']:.2f} ms,"
              f" p99 {r['p99_ms']:.2f} ms")
    print("\nfloors (pgbench, 64 clients): " + "; ".join(
        f"{name} {floor[key]} tps (p50 {floor.get(key + '_p50_ms')} ms, p99"
        f" {floor.get(key + '_p99_ms')} ms)" for name, key in FLOORS)
        + f"; pgbench -S {floor['pgbench_S']} tps")
    print(f"256 connections: peak RSS {rss_256['peak_rss_mib']} MiB; start to ready"
          f" {start_ms} ms; seed {seed_s} s; audit lanes per tenant {opts.audit_lanes}\n")
    for c in checks:
        print(f"{'ok  ' if c['ok'] else 'MISS'} {c['budget']:<64} {c['figure']}")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    name = f"latest-{'quick' if opts.quick else 'full'}.json"
    path = os.path.join(ROOT, "bench", "results", name)
    with open(path, "w") as f:
        json.dump({"commit": commit, "date": time.strftime("%Y-%m-%d"), "scale": scale,
                   "duration": dur, "seed_s": seed_s, "audit_lanes": opts.audit_lanes,
                   "results": results, "open_loop": opened, "low_concurrency": low,
                   "floor": floor,
                   "rss_256_mib": rss_256["peak_rss_mib"],
                   "start_to_ready_ms": start_ms, "jwt_cpu_share_pct": jwt, "budgets": checks,
                   "explain": plans},
                  f, indent=1)
    print(f"\nwritten {os.path.relpath(path, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
