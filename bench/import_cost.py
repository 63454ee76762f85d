#!/usr/bin/env python3
"""import_cost.py - what a CSV import costs the server: a 16 MiB file of 100,000 contacts into an
empty tenant, the same file again (every row a duplicate of a live contact, by email and by
phone: 422 listing each), the same as a dry-run upsert by email (every row an update), and
three bodies the import must refuse cheaply (16 MiB of blank lines, a
16 MiB header of short columns, a 16 MiB header that is one field). Each case runs against a
fresh `crm serve` (the release build, a private PostgreSQL cluster), so that memory the
allocator kept from one case cannot hide the next one's growth. For each: the status, the wall
time of the request and the server's extra RSS (its peak during the request, VmHWM after a
reset through /proc/<pid>/clear_refs, minus its RSS before), each against its budget.
Prints a table and writes bench/results/latest-import.json, replacing the previous run's
(CRM_BINARY runs another build, and CRM_BENCH_LABEL=before writes its results to
bench/results/import-before.json, which git ignores). Run with `make bench-import`."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
os.environ.setdefault("CRM_BINARY", os.path.join(ROOT, "build", "crm"))

import requests  # noqa: E402

from crmtest import PASSWORD, Postgres, Server, login, platform  # noqa: E402

MIB = 1024 * 1024
ROWS = 100000
SIZE = 16 * MIB  # CRM_MAX_IMPORT_BYTES' default
TIMEOUT_S = float(os.environ.get("CRM_BENCH_IMPORT_TIMEOUT_S", "600"))
RSS_CAP = int(os.environ.get("CRM_BENCH_IMPORT_RSS_CAP_MIB", "2048")) * MIB  # then it is killed


def contacts_csv():
    """ROWS contacts (emails and phones all different) padded to just under SIZE bytes."""
    head = "type,first_name,last_name,email,phone,company,tags,address.city,source\n"
    rows = [f"lead,First{i},Last{i},person{i}@bulk.example,+44207{i:07d},"
            f"\"Company {i}, Ltd\",vip;bulk,Leeds,import" for i in range(ROWS)]
    body = head + "\n".join(rows) + "\n"
    pad = (SIZE - len(body)) // ROWS  # make each row longer through its source
    rows = [r + "x" * pad for r in rows]
    body = head + "\n".join(rows) + "\n"
    assert len(body) <= SIZE, len(body)
    return body.encode()


def seed_contacts(pg, slug):
    """The file's contacts, written by SQL when the first case did not import them, so that the
    cases after the first always meet ROWS live matches (by email and by phone)."""
    pg.sql(f"""INSERT INTO contacts (tenant_id, type, first_name, last_name, email, phone)
        SELECT t.id, 'lead', 'First' || i, 'Last' || i, 'person' || i || '@bulk.example',
               '+44207' || lpad(i::text, 7, '0')
          FROM tenants t, generate_series(0, {ROWS - 1}) i
         WHERE t.slug = '{slug}' AND NOT EXISTS (SELECT 1 FROM contacts c
               WHERE c.tenant_id = t.id AND c.email_key = 'person' || i || '@bulk.example')""")
    pg.sql("ANALYZE contacts")


def newlines():
    head = b"type,last_name\n"
    return head + b"\n" * (SIZE - len(head))


def header_of_columns():
    cols = b"type,last_name," + b"x," * ((SIZE - 16) // 2)
    return cols[:SIZE - 1] + b"\n"


def header_of_one_field():
    return b"type,last_name," + b"x" * (SIZE - 16) + b"\n"


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


class Watch(threading.Thread):
    """Samples the server's RSS while a request runs; kills the server past RSS_CAP."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.killed, self.done = pid, 0, False, threading.Event()

    def run(self):
        while not self.done.is_set():
            try:
                rss = status_kib(self.pid, "VmRSS")
            except (OSError, KeyError):
                return
            self.peak = max(self.peak, rss)
            if rss > RSS_CAP:
                self.killed = True
                os.kill(self.pid, signal.SIGKILL)
                return
            time.sleep(0.01)


def run_case(pg, slug, label, body, params, budget_mib, budget_s, expect):
    server = Server(pg)
    result = {"case": label, "bytes": len(body), "budget_rss_mib": budget_mib,
              "budget_s": budget_s, "load_before": os.getloadavg()[0]}
    try:
        token = login(server, slug, f"admin@{slug}.test").json()["access_token"]
        http = requests.Session()
        http.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
        url = server.url("/api/v1/contacts/import")
        # warm-up on the same connection (so the same worker thread and database connection):
        # connection, prepared statements, the tenant's context
        warm = http.post(url, data=b"type,last_name\nlead,Warm\n", params={"dry_run": "true"})
        assert warm.status_code == 200, warm.text
        time.sleep(0.5)  # the sign-in's argon2id memory is returned by now
        pid = server.proc.pid
        before = status_kib(pid, "VmRSS")
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")  # VmHWM := VmRSS
        watch = Watch(pid)
        watch.start()
        start = time.monotonic()
        try:
            r = http.post(url, data=body, params=params, timeout=TIMEOUT_S)
            result["status"] = r.status_code
            result["answer"] = r.text[:300]
        except requests.RequestException as e:
            result["status"] = None
            result["answer"] = f"{type(e).__name__}"
        result["seconds"] = round(time.monotonic() - start, 2)
        watch.done.set()
        watch.join()
        if watch.killed:
            result["answer"] = f"killed past {RSS_CAP // MIB} MiB RSS"
            peak = watch.peak
        elif result["status"] is None:
            peak = watch.peak  # timed out: what it reached so far
            server.proc.kill()
            server.proc.wait()
        else:
            peak = max(status_kib(pid, "VmHWM"), watch.peak)
        result["extra_rss_mib"] = round((peak - before) / MIB, 1)
        result["timed_out"] = result["status"] is None and not watch.killed
        if watch.killed:
            server.proc.wait()
    finally:
        if server.proc.poll() is None:
            server.stop(timeout=TIMEOUT_S)
        else:
            server.log_file.close()
    status_ok = result["status"] in expect
    result["ok"] = bool(status_ok and result["extra_rss_mib"] < budget_mib and
                        (budget_s is None or result["seconds"] < budget_s))
    return result


def main():
    pg = Postgres()
    pg.start()
    results = []
    try:
        pg.bootstrap()
        server = Server(pg)
        slug = "bench-import"
        r = platform(server, "POST", "/platform/v1/tenants",
                     json={"name": "Bench Import", "slug": slug, "default_country": "GB",
                           "admin_email": f"admin@{slug}.test", "admin_password": PASSWORD})
        assert r.status_code == 201, r.text
        server.stop()
        data = contacts_csv()
        cases = [
            ("import 100,000 rows", data, {}, 64, 10, {200}),
            ("same again: 100,000 duplicates", data, {}, 64, 10, {422}),
            ("same again, upsert, dry run", data, {"upsert_by": "email", "dry_run": "true"}, 64,
             10, {200}),
            ("16 MiB of blank lines", newlines(), {}, 32, None, {413, 422}),
            ("16 MiB header, short columns", header_of_columns(), {}, 32, None, {400, 422}),
            ("16 MiB header, one field", header_of_one_field(), {}, 32, None, {400, 422}),
        ]
        for label, body, params, mib, secs, expect in cases:
            if label.startswith("same again"):
                seed_contacts(pg, slug)
            pg.sql("CHECKPOINT")
            results.append(run_case(pg, slug, label, body, params, mib, secs, expect))
            res = results[-1]
            print(f"  {label}: {res['status']} in {res['seconds']} s,"
                  f" +{res['extra_rss_mib']} MiB: {res['answer'][:160]}", flush=True)
        counts = pg.sql("SELECT count(*) FROM contacts WHERE tenant_id ="
                        " (SELECT id FROM tenants WHERE slug = 'bench-import')")
        results.append({"contacts": int(counts[0][0])})
    finally:
        pg.destroy()
    print(f"{'case':<30} {'status':>6} {'seconds':>8} {'budget':>7} {'+RSS MiB':>9}"
          f" {'budget':>7}  result")
    for r in results[:-1]:
        secs = f"< {r['budget_s']}" if r["budget_s"] else "-"
        print(f"{r['case']:<30} {str(r['status']):>6} {r['seconds']:>8} {secs:>7}"
              f" {r['extra_rss_mib']:>9} {'< ' + str(r['budget_rss_mib']):>7}"
              f"  {'ok' if r['ok'] else 'MISS'}")
    print(f"contacts afterwards: {results[-1]['contacts']}; machine load (1 min) before each case:"
          f" {', '.join(str(r['load_before']) for r in results[:-1])}")
    for r in results[:-1]:
        if not r["ok"]:
            print(f"  {r['case']}: {r['answer']}")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    if subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no",
                       "src"], capture_output=True, text=True).stdout.strip():
        commit += "-dirty"  # figures of uncommitted code say so
    name = "latest-import.json"
    if os.environ.get("CRM_BENCH_LABEL"):  # another binary (CRM_BINARY), e.g. "before"
        commit += "-" + os.environ["CRM_BENCH_LABEL"]
        name = f"import-{os.environ['CRM_BENCH_LABEL']}.json"  # not the latest of this tree
    path = os.path.join(ROOT, "bench", "results", name)
    with open(path, "w") as f:
        json.dump({"commit": commit, "date": time.strftime("%Y-%m-%d"), "rows": ROWS,
                   "bytes": SIZE, "cases": results}, f, indent=1)
    print(f"written {os.path.relpath(path, ROOT)}")
    return 0 if all(r["ok"] for r in results[:-1]) else 1


if __name__ == "__main__":
    sys.exit(main())
