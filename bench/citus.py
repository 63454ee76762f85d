#!/usr/bin/env python3
"""citus.py - what distribution costs: the same quick-scale data and load (bench/run.py's seed
and scenarios) on one PostgreSQL and on the local Citus cluster of scripts/citus.sh (a
coordinator and two workers on this machine), with the server's CPU and each database node's
per request. Prints a table and writes bench/results/latest-citus.json (docs/performance.md).

  make bench-citus    (starts the cluster; its database is made afresh, as by make test-citus)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (bench/run.py: seed, load data, wrk)
from crmtest import CitusCluster  # noqa: E402

SCENARIOS = ["get_contact", "list_first", "create_contact", "create_appointment"]
CITUS_ROOT = os.path.join(run.ROOT, "var", "citus")
NODES = ["coordinator", "worker1", "worker2"]


class Node:
    """A database node's data folder, for run.cluster_cpu_s (its postmaster's children)."""

    def __init__(self, data):
        self.data = data


class CitusBench(CitusCluster):
    """The running local cluster, as the benchmark's database: the coordinator's processes
    are counted as the database's by run.wrk, the workers' here."""

    def __init__(self, ports):
        super().__init__(ports)
        self.data = os.path.join(CITUS_ROOT, "coordinator")

    def destroy(self):
        pass


def node_cpu(nodes):
    return [run.cluster_cpu_s(n) for n in nodes]


def measure(pg, nodes, scale, dur, label, scratch, failure=None):
    """Seeds pg, starts a server on it and runs each scenario: one row per scenario. With a
    list as failure, then stops a worker under load (worker_failure) into it."""
    pg.bootstrap()
    run.seed(pg, scale)
    pg.sql("UPDATE tenants SET settings = settings || '{\"audit_lanes\": 4}'"
           " WHERE slug LIKE 'bench-%'")
    pg.sql("CHECKPOINT")
    server = run.Server(pg, env={"CRM_THREADS": "4", "CRM_MAX_CONNECTIONS_PER_IP": "0"})
    server.pg = pg
    rows = []
    try:
        data = run.bench_data(server, pg, scale)
        data_path = os.path.join(scratch, "data.lua")
        run.wrk(server, data, data_path, "get_contact", "1s")  # warm the caches
        for s in SCENARIOS:
            before = node_cpu(nodes)
            r = run.wrk(server, data, data_path, s, dur)
            per_node = [round((a - b) / max(r["requests"], 1) * 1000, 3)
                        for a, b in zip(node_cpu(nodes), before)]
            rows.append({"setup": label, "scenario": s, "rps": r["rps"],
                         "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"], "errors": r["errors"],
                         "server_cpu_s_per_1000": r["cpu_s_per_1000"],
                         "db_cpu_s_per_1000_by_node": per_node,
                         "db_cpu_s_per_1000": round(sum(per_node), 3)})
            print(f"{label:<8} {s:<20} {r['rps']:>8} req/s  p99 {r['p99_ms']:>7.2f} ms"
                  f"  errors {r['errors']}  server {r['cpu_s_per_1000']} s/1k"
                  f"  database {per_node} s/1k", flush=True)
        if failure is not None:
            chains = audit_chains(pg)
            print(f"audit chains after the load: {chains}", flush=True)
            failure.append(worker_failure(pg, server, pg.ports))
            failure.append(chains)
    finally:
        server.stop()
    return rows


def audit_chains(pg):
    """Every tenant's audit chain after the load, by `crm audit verify` (all tenants), and
    on which workers the tenants are."""
    out = run.crm("audit", "verify", env={"CRM_DATABASE_URL": pg.url(),
                                          "CRM_JWT_KEYS": run.default_key_set()}, timeout=600)
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    nodes = pg.sql("SELECT n.nodeport, count(*) FROM tenants t JOIN pg_dist_placement p"
                   " ON p.shardid = get_shard_id_for_distribution_column('audit_log', t.id)"
                   " JOIN pg_dist_node n ON n.groupid = p.groupid GROUP BY 1 ORDER BY 1")
    return {"ok": out.returncode == 0 and bool(lines) and all(x["ok"] for x in lines),
            "tenants": len(lines), "rows_checked": sum(x["rows_checked"] for x in lines),
            "tenants_by_worker": {str(port): int(n) for port, n in nodes}}


def worker_failure(pg, server, ports, seconds=30, down_at=8, up_at=18):
    """A worker stopped under load and started again: each second's answers for a tenant
    whose shards are on that worker and for one on the other (GET of a contact list, four
    clients each)."""
    by_port = {}
    for slug, port in pg.sql(
            "SELECT t.slug, n.nodeport FROM tenants t JOIN pg_dist_placement p"
            " ON p.shardid = get_shard_id_for_distribution_column('contacts', t.id)"
            " JOIN pg_dist_node n ON n.groupid = p.groupid WHERE t.slug LIKE 'bench-0%'"
            " ORDER BY t.slug"):
        by_port.setdefault(int(port), slug)
    stopped, other = ports[2], ports[1]
    tenants = {"stopped": by_port[stopped], "other": by_port[other]}
    tokens = {k: run.login(server, slug) for k, slug in tenants.items()}
    seen = {k: {} for k in tenants}  # second -> {status: count}
    start = time.monotonic()
    done = threading.Event()
    lock = threading.Lock()

    def client(kind):
        s = requests.Session()
        while not done.is_set():
            t = int(time.monotonic() - start)
            try:
                status = s.get(server.url("/api/v1/contacts?limit=5"), timeout=10, headers={
                    "Authorization": f"Bearer {tokens[kind]}"}).status_code
            except requests.RequestException:
                status = "error"
            with lock:
                counts = seen[kind].setdefault(t, {})
                counts[status] = counts.get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(k,)) for k in tenants for _ in range(4)]
    for th in threads:
        th.start()
    data = os.path.join(CITUS_ROOT, "worker2")
    ctl = ["su", "postgres", "-c"] if os.geteuid() == 0 else ["sh", "-c"]
    events = {}
    try:
        time.sleep(down_at)
        events["stopped_at_s"] = round(time.monotonic() - start, 1)
        subprocess.run(ctl + [f"{run.PG_BIN}/pg_ctl stop -m immediate -D {data}"], check=True,
                       capture_output=True)
        time.sleep(up_at - down_at)
        events["started_at_s"] = round(time.monotonic() - start, 1)
        subprocess.run(ctl + [f"{run.PG_BIN}/pg_ctl start -w -D {data}"
                              f" -l {CITUS_ROOT}/worker2.log"], check=True, capture_output=True)
        events["ready_at_s"] = round(time.monotonic() - start, 1)
        time.sleep(max(0, seconds - (time.monotonic() - start)))
    finally:
        done.set()
        for th in threads:
            th.join()
    print(f"\nworker on port {stopped} stopped at {events['stopped_at_s']} s, started at"
          f" {events['started_at_s']} s (ready {events['ready_at_s']} s); answers per second:")
    for kind, slug in tenants.items():
        print(f"  {kind:<8} {slug}: " + "  ".join(
            f"{t}s " + ",".join(f"{st}x{n}" for st, n in sorted(c.items(), key=str))
            for t, c in sorted(seen[kind].items())))
    return {"tenants": tenants, "events": events,
            "per_second": {k: {str(t): {str(st): n for st, n in c.items()}
                               for t, c in v.items()} for k, v in seen.items()}}


def main():
    scale = run.SCALES["quick"]
    dur = os.environ.get("CRM_BENCH_DURATION", "5s")
    ports = [int(p) for p in os.environ.get("CRM_TEST_CITUS", "55436,55437,55438").split(",")]
    scratch = tempfile.mkdtemp(prefix="crm-bench-citus-")  # the load script's data
    failure = []
    try:
        single = run.BenchPostgres()
        single.start()
        try:
            rows = measure(single, [single], scale, dur, "single", scratch)
        finally:
            single.destroy()
        rows += measure(CitusBench(ports), [Node(os.path.join(CITUS_ROOT, n)) for n in NODES],
                        scale, dur, "citus", scratch, failure)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\n{'scenario':<20} {'setup':<7} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
          f" {'server s/1k':>11} {'db s/1k (by node)':>28}")
    for r in sorted(rows, key=lambda r: (SCENARIOS.index(r["scenario"]), r["setup"])):
        print(f"{r['scenario']:<20} {r['setup']:<7} {r['rps']:>8} {r['p50_ms']:>7.2f}"
              f" {r['p99_ms']:>7.2f} {r['server_cpu_s_per_1000']:>11}"
              f" {r['db_cpu_s_per_1000']:>7} {str(r['db_cpu_s_per_1000_by_node']):>20}")
    commit = subprocess.run(["git", "-C", run.ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    with open(os.path.join(run.ROOT, "bench", "results", "latest-citus.json"), "w") as f:
        json.dump({"commit": commit, "duration": dur, "rows": rows,
                   "worker_failure": failure[0] if failure else None,
                   "audit_chains": failure[1] if failure else None}, f, indent=1)
        f.write("\n")
    return 1 if any(r["errors"] for r in rows) or not (failure and failure[1]["ok"]) else 0


if __name__ == "__main__":
    sys.exit(main())
