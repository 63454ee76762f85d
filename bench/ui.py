#!/usr/bin/env python3
"""ui.py - `make bench-ui`: the web app's speed against its budgets, in Debian's Chromium against
the release build of crm serve (web/bench/ui.spec.ts measures; this checks and records). Writes
bench/results/latest-ui.json; docs/performance.md keeps the figures. Arguments are passed to
Playwright (a spec file name, say)."""
import datetime
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
os.environ.setdefault("CRM_BINARY", os.path.join(ROOT, "build", "crm"))
from crmtest import PLATFORM_KEY, Postgres, Server  # noqa: E402

BUDGETS = {  # figure: (budget, unit)
    "js_before_diary_kb_gzip": (250, "KB gzipped"),
    "sign_in_to_diary_ms": (1000, "ms"),
    "day_render_ms": (300, "ms"),
    "drag_move_ms": (100, "ms"),
}


def main():
    out = os.path.join(ROOT, "build", "ui-bench.json")
    if os.path.exists(out):
        os.unlink(out)
    pg = Postgres()
    pg.start()
    server = None
    try:
        pg.bootstrap()
        server = Server(pg, env={"CRM_WEB_DIR": os.path.join(ROOT, "web", "dist"),
                                 "CRM_THREADS": "4"})
        env = dict(os.environ, CRM_E2E_BASE_URL=server.base, CRM_E2E_PLATFORM_KEY=PLATFORM_KEY,
                   CRM_BENCH_UI_OUT=out)
        rc = subprocess.run(["npx", "playwright", "test", "-c", "playwright.bench.config.ts"] + sys.argv[1:],
                            cwd=os.path.join(ROOT, "web"), env=env).returncode
    finally:
        if server is not None:
            server.stop()
        pg.destroy()
    if not os.path.exists(out):
        return rc or 1
    with open(out) as f:
        figures = json.load(f)  # what was measured, even when a later part failed
    ok = True
    for name, (budget, unit) in BUDGETS.items():
        if name not in figures:
            print(f"{name:28} not measured")
            ok = False
            continue
        v = figures[name]
        value = v["median"] if isinstance(v, dict) else v
        verdict = "ok" if value <= budget else "OVER"
        ok &= value <= budget
        print(f"{name:28} {value:8} {unit:11} budget {budget:5}  {verdict}")
    if "drag_request_ms" in figures:  # where the drag-move's time goes
        print(f"{'  of which the PATCH':28} {figures['drag_request_ms']['median']:8} ms")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    figures.update(commit=commit, date=datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds"), budgets={k: v[0] for k, v in BUDGETS.items()})
    with open(os.path.join(ROOT, "bench", "results", "latest-ui.json"), "w") as f:
        json.dump(figures, f, indent=2)
        f.write("\n")
    return 0 if ok and rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
