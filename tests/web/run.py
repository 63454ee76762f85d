#!/usr/bin/env python3
"""run.py - the web app's end-to-end suite: a private PostgreSQL and a real `crm serve` (the test
build, serving web/dist), then Playwright in Debian's Chromium (web/e2e). Prints a last line
"N passed, N failed"; exits non-zero when anything failed. Arguments go to `playwright test`."""
import os
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
from crmtest import PLATFORM_KEY, Postgres, Server  # noqa: E402

WEB = os.path.join(ROOT, "web")


def counts(junit):
    try:
        root = ET.parse(junit).getroot()
    except (OSError, ET.ParseError):
        return 0, 1  # Playwright did not get as far as writing results
    suites = [root] if root.tag == "testsuite" else list(root)
    total = sum(int(s.get("tests", 0)) for s in suites)
    bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return total - bad - skipped, bad


def serve_app(server):
    """The app's address: crm serve itself when it serves web/dist, else `vite preview` of
    web/dist proxying to it (same CSP), for a server built without the web app."""
    r = server.get("/")
    if r.status_code == 200 and r.headers.get("Content-Type", "").startswith("text/html"):
        return server.base, None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([os.path.join(WEB, "node_modules", ".bin", "vite"), "preview", "--host", "127.0.0.1", "--port", str(port),
                             "--strictPort"], cwd=WEB, env=dict(os.environ, CRM_DEV_API=server.base),
                            stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return f"http://127.0.0.1:{port}", proc


def main():
    if not os.path.exists(os.path.join(WEB, "dist", "index.html")):
        print("web/dist is not built: run `make build`")
        print("0 passed, 1 failed")
        return 1
    pg = Postgres()
    pg.start()
    server = preview = None
    try:
        pg.bootstrap()
        server = Server(pg, env={"CRM_WEB_DIR": os.path.join(WEB, "dist"),
                                 "CRM_PUBLIC_URL": None, "CRM_THREADS": "8"})
        base, preview = serve_app(server)
        junit = os.path.join(ROOT, "build-test", "playwright-junit.xml")
        if os.path.exists(junit):
            os.unlink(junit)
        env = dict(os.environ, CRM_E2E_BASE_URL=base, CRM_E2E_PLATFORM_KEY=PLATFORM_KEY,
                   PLAYWRIGHT_JUNIT_OUTPUT_NAME=junit, CRM_E2E_DATABASE_URL=pg.url("postgres"))
        subprocess.run(["npx", "playwright", "test", *sys.argv[1:]], cwd=WEB, env=env)
        passed, failed = counts(junit)
    finally:
        if preview is not None:
            preview.terminate()
            preview.wait()
        if server is not None:
            try:
                server.stop()
            except AssertionError as e:  # a sanitizer report or an unclean exit
                print(e)
                passed, failed = locals().get("passed", 0), locals().get("failed", 0) + 1
        pg.destroy()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
