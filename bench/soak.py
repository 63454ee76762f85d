#!/usr/bin/env python3
"""soak.py - the benchmark's mixed scenario for a long run against the release build, with
the server's resident set printed every minute. Passes when the resident set grew by less
than 5 % from minute 5 to the end (the first five minutes fill caches, pools and the
allocator's arenas) and no request failed.

  make soak                    60 minutes
  make soak SOAK_MINUTES=10    shorter
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the private cluster, the seed, the load data, wrk's script)

from crmtest import Server  # noqa: E402

BASELINE_MINUTE = 5
MINUTE_S = 60
MAX_GROWTH_PCT = 5.0


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


def answered(server):
    """Requests answered so far, from /metrics: (all, not 2xx by 'route status')."""
    text = server.get("/metrics").text
    total, bad = 0, {}
    for route, status, n in re.findall(
            r'^crm_http_requests_total\{.*route="([^"]*)".*status="([^"]*)"\} (\d+)$', text,
            re.M):
        total += int(n)
        if not status.startswith("2"):
            bad[f"{route} {status}"] = bad.get(f"{route} {status}", 0) + int(n)
    return total, bad


def soak(server, data_path, minutes):
    env = dict(os.environ, CRM_BENCH_DATA=data_path, CRM_BENCH_SCENARIO="mixed")
    wrk = subprocess.Popen(["wrk", "-t1", "-c64", f"-d{minutes * MINUTE_S}s", "--timeout",
                            "10s", "-s", os.path.join(bench.ROOT, "bench", "lua", "scenario.lua"),
                            server.url("")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, env=env)
    started = time.monotonic()
    samples = []
    try:
        last_total = answered(server)[0]
        for minute in range(1, minutes + 1):
            time.sleep(max(0.0, started + MINUTE_S * minute - time.monotonic()))
            rss = rss_mib(server.proc.pid)
            total, bad = answered(server)
            samples.append(rss)
            rate = (total - last_total) / MINUTE_S
            print(f"minute {minute:>3}: RSS {rss:8.2f} MiB  {rate:8.1f} req/s"
                  f"  not 2xx so far {sum(bad.values())}", flush=True)
            last_total = total
        out, err = wrk.communicate(timeout=120)
    finally:
        if wrk.poll() is None:  # interrupted: the load stops with the soak
            wrk.kill()
            wrk.wait()
    m = re.search(r"^JSON (.*)$", out, re.M)
    if not m:
        raise RuntimeError(f"wrk: {out}\n{err}")
    return samples, json.loads(m.group(1)), answered(server)[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=int, default=60,
                    help=f"run length (more than {BASELINE_MINUTE}; default 60)")
    opts = ap.parse_args()
    if opts.minutes <= BASELINE_MINUTE:
        ap.error(f"--minutes must be more than {BASELINE_MINUTE}: the growth is measured from"
                 f" minute {BASELINE_MINUTE}")
    scale = bench.SCALES["quick"]
    pg = bench.BenchPostgres()
    pg.start()
    server = None
    scratch = tempfile.mkdtemp(prefix="crm-soak-")
    try:
        pg.bootstrap()
        print(f"seeded in {bench.seed(pg, scale)} s (the quick benchmark's data)", flush=True)
        pg.sql("UPDATE tenants SET settings = settings || '{\"audit_lanes\": 4}'"
               " WHERE slug LIKE 'bench-%'")
        pg.sql("CHECKPOINT")
        # wrk's 64 connections and the soak's own share one address: no per-address limit
        server = Server(pg, env={"CRM_THREADS": "4", "CRM_MAX_CONNECTIONS_PER_IP": "0"})
        data = bench.bench_data(server, pg, scale)
        data_path = os.path.join(scratch, "data.lua")
        with open(data_path, "w") as f:
            f.write("return " + bench.lua_value(data) + "\n")
        print(f"mixed scenario (wrk -t1 -c64) for {opts.minutes} minutes against"
              f" {os.path.relpath(os.environ['CRM_BINARY'], bench.ROOT)} (pid"
              f" {server.proc.pid})", flush=True)
        samples, load, bad = soak(server, data_path, opts.minutes)
    finally:
        if server:
            server.stop()
        pg.destroy()
        shutil.rmtree(scratch, ignore_errors=True)
    base, last = samples[BASELINE_MINUTE - 1], samples[-1]
    growth = 100 * (last - base) / base
    errors = load["socket_errors"] + load["non2xx"]
    print(f"\nwrk: {load['requests']} requests in {load['seconds']:.0f} s"
          f" ({load['requests'] / load['seconds']:.1f}/s), p50 {load['p50_ms']:.2f} ms,"
          f" p99 {load['p99_ms']:.2f} ms, socket errors {load['socket_errors']},"
          f" not 2xx {load['non2xx']}{' ' + json.dumps(bad) if bad else ''}")
    print(f"RSS: minute {BASELINE_MINUTE} {base:.2f} MiB, minute {len(samples)} {last:.2f} MiB,"
          f" growth {growth:+.1f} % (highest {max(samples[BASELINE_MINUTE - 1:]):.2f} MiB)")
    print(f"rule: flat when the RSS of the last minute is less than {MAX_GROWTH_PCT:g} % above"
          f" that of minute {BASELINE_MINUTE}, and no request failed (socket error or not 2xx)")
    ok = growth < MAX_GROWTH_PCT and errors == 0
    print("ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
