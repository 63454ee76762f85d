#!/usr/bin/env python3
"""audit_cost.py - what the audit log costs writes: contact creation into one tenant through
the API (the release build, a private PostgreSQL cluster, wrk with one thread and 64
connections) with the audit trigger on contacts (the tenant's log one chain, then four lanes)
and with it switched off, in turn, three times each. Prints a table and writes
bench/results/latest-audit.json, replacing the previous run's. Run with `make bench-audit`."""
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
os.environ.setdefault("CRM_BINARY", os.path.join(ROOT, "build", "crm"))

from crmtest import Server, Postgres, platform, login, PASSWORD  # noqa: E402

DURATION = os.environ.get("CRM_BENCH_DURATION", "5s")
CONNECTIONS = os.environ.get("CRM_BENCH_CONNECTIONS", "64")


def wrk(server, token, run):
    out = subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{DURATION}",
                          "-s", os.path.join(ROOT, "bench", "create_contact.lua"),
                          server.url("")], capture_output=True, text=True,
                         env=dict(os.environ, CRM_BENCH_TOKEN=token, CRM_BENCH_RUN=str(run)),
                         check=True)
    m = re.search(r"^JSON (.*)$", out.stdout, re.M)
    r = json.loads(m.group(1))
    r["rps"] = round(r["requests"] / r["seconds"], 1)
    return r


def main():
    pg = Postgres()
    pg.start()
    server = None
    try:
        pg.bootstrap()
        server = Server(pg, env={"CRM_MAX_CONNECTIONS_PER_IP": "0"})  # wrk: one address
        r = platform(server, "POST", "/platform/v1/tenants",
                     json={"name": "Bench Clinic", "slug": "bench", "modules": ["clinic"],
                           "admin_email": "admin@bench.test", "admin_password": PASSWORD})
        assert r.status_code == 201, r.text
        token = login(server, "bench", "admin@bench.test").json()["access_token"]
        wrk(server, token, 0)  # warm-up: connections, prepared statements, caches
        runs = []
        # alternating, so that the table's growth during the runs weighs on both sides alike
        plan = [("audit on", "ENABLE", 1), ("audit on, 4 lanes", "ENABLE", 4),
                ("audit off", "DISABLE", 1)] * 3
        for run, (label, trigger, lanes) in enumerate(plan, 1):
            pg.sql(f"ALTER TABLE contacts {trigger} TRIGGER audit")
            pg.sql("UPDATE tenants SET settings = settings || jsonb_build_object('audit_lanes',"
                   f" {lanes}) WHERE slug = 'bench'")
            # statistics of the table as it is now: the tenant starts empty and grows by
            # thousands of rows a run, faster than autovacuum re-analyses it, and plans made
            # from an empty table's statistics scan it instead of probing its indexes
            pg.sql("ANALYZE")
            pg.sql("CHECKPOINT")
            time.sleep(1)
            result = wrk(server, token, run)
            result["label"] = label
            runs.append(result)
        pg.sql("ALTER TABLE contacts ENABLE TRIGGER audit")
    finally:
        if server:
            server.stop()
        pg.destroy()
    print(f"{'contact creation':<18} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for r in runs:
        print(f"{r['label']:<18} {r['rps']:>9} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}"
              f" {r['errors'] + r['non2xx']:>7}")

    def mean(label):
        rps = [r["rps"] for r in runs if r["label"] == label]
        return sum(rps) / len(rps)

    ratio = mean("audit on") / mean("audit off")
    ratio_lanes = mean("audit on, 4 lanes") / mean("audit off")
    print(f"with the audit trigger: {ratio:.0%} of the throughput without it;"
          f" with four lanes: {ratio_lanes:.0%}")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    path = os.path.join(ROOT, "bench", "results", "latest-audit.json")
    with open(path, "w") as f:
        json.dump({"commit": commit, "date": time.strftime("%Y-%m-%d"), "duration": DURATION,
                   "connections": CONNECTIONS, "runs": runs, "ratio_on_to_off": round(ratio, 3),
                   "ratio_on_4_lanes_to_off": round(ratio_lanes, 3)}, f, indent=1)
    print(f"written {os.path.relpath(path, ROOT)}")
    return 0 if all(r["errors"] + r["non2xx"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
