#!/usr/bin/env python3
"""test_image.py - the image as an operator runs it: a private PostgreSQL (the test suite's), then
`crm migrate`, `crm serve` and `crm worker` as containers of the image on the host's network,
and checks: /readyz, the web app's index, a sign-in, a booking, a reminder the worker writes,
a SIGTERM drain under load with no failed request, the containers' user is not root, the image
within its 150 MB budget and ready within 1 s of start. Ends with `N passed, N failed`.
Run by deploy/test-image.sh (which builds the image first)."""
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
os.environ.setdefault("CRM_BINARY", os.path.join(ROOT, "build", "crm"))

import requests  # noqa: E402

from crmtest import PASSWORD, PLATFORM_KEY, Postgres, default_key_set  # noqa: E402

IMAGE = os.environ.get("IMAGE", "localhost/crm:latest")
ENGINE = os.environ.get("ENGINE", "podman")
RUN = [ENGINE, "--runtime", "runc"] if ENGINE == "podman" else [ENGINE]
LIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"]
BUDGET_MB = 150
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} - {name}{': ' + detail if detail and not ok else ''}",
          flush=True)


def stamp(text):
    """Seconds of an ISO 8601 UTC log time ("2026-12-05T11:23:44.313403Z")."""
    return time.mktime(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + text[19:-1])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def container(name, args, env, mounts, detach=True):
    cmd = [*RUN, "run", "--name", name, "--network", "host", *LIMITS]
    cmd.append("-d" if detach else "--rm")
    for k, v in env.items():
        cmd += ["-e", f"{k}={v}"]
    for m in mounts:
        cmd += ["-v", f"{m}:{m}"]
    return subprocess.run(cmd + [IMAGE, *args], capture_output=True, text=True, timeout=300)


def stop(name, timeout=30):
    subprocess.run([*RUN, "stop", "-t", str(timeout), name], capture_output=True, timeout=120)


def logs(name):
    out = subprocess.run([ENGINE, "logs", name], capture_output=True, text=True)
    return out.stdout + out.stderr


def exit_code(name):
    return subprocess.run([ENGINE, "inspect", "--format", "{{.State.ExitCode}}", name],
                          capture_output=True, text=True).stdout.strip()


def main():
    size = int(subprocess.check_output([ENGINE, "image", "inspect", "--format", "{{.Size}}",
                                        IMAGE], text=True).strip())
    check(f"the image is within {BUDGET_MB} MB ({size / 1e6:.0f} MB)", size <= BUDGET_MB * 1e6)
    pg = Postgres()
    pg.start()
    keys = default_key_set()
    # the containers run as their own user: the key set must be readable by it
    os.chmod(os.path.dirname(keys), 0o755)
    os.chmod(keys, 0o644)
    mounts = [pg.sock, os.path.dirname(keys)]
    port, worker_port = free_port(), free_port()
    mail = os.path.join(pg.base, "mail")
    os.makedirs(mail, mode=0o777)
    os.chmod(mail, 0o777)
    env = {"CRM_DATABASE_URL": pg.url(), "CRM_JWT_KEYS": keys, "CRM_PLATFORM_KEY": PLATFORM_KEY,
           "CRM_LISTEN": f"127.0.0.1:{port}", "CRM_DENYLIST_REFRESH_S": "1"}
    try:
        pg.sql("CREATE ROLE crm LOGIN CREATEROLE", dbname="postgres")
        pg.sql("CREATE DATABASE crm OWNER crm", dbname="postgres")
        out = container("crm-migrate", ["migrate"], env, mounts, detach=False)
        check("crm migrate runs from the image", out.returncode == 0, out.stderr[-800:])
        started = time.monotonic()
        out = container("crm-api", ["serve"], env, mounts)
        check("crm serve starts", out.returncode == 0, out.stderr)
        ready = None
        while time.monotonic() - started < 30:
            try:
                if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    ready = time.monotonic() - started
                    break
            except requests.RequestException:
                pass
            time.sleep(0.02)
        check("/readyz answers 200", ready is not None, logs("crm-api")[-2000:])
        # the engine's own start takes part of that: the server's own, from its log, is what
        # the budget is about (its first line to "listening on")
        lines = [json.loads(x) for x in logs("crm-api").splitlines() if x.startswith("{")]
        times = [x["time"] for x in lines if "time" in x]
        listening = [x["time"] for x in lines if "listening on" in x.get("msg", "")]
        own = (stamp(listening[0]) - stamp(times[0])) if listening and times else None
        check(f"ready within 1 s of its start ({own if own is not None else '?'} s; "
              f"{ready or 0:.2f} s with the container's own start)",
              own is not None and own <= 1.0)
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
        check("the web app's index is served", page.status_code == 200 and "<div id=" in page.text)
        user = subprocess.run([ENGINE, "exec", "crm-api", "id", "-u"], capture_output=True,
                              text=True).stdout.strip()
        check(f"the container's user is not root (uid {user})", user not in ("", "0"))
        health = subprocess.run([ENGINE, "exec", "crm-api", "crm", "healthcheck"],
                                capture_output=True, text=True)
        check("crm healthcheck inside the container", health.returncode == 0, health.stderr)
        slug = "img-" + uuid.uuid4().hex[:6]
        r = requests.post(f"http://127.0.0.1:{port}/platform/v1/tenants",
                          headers={"Authorization": f"Bearer {PLATFORM_KEY}"},
                          json={"name": "Image Clinic", "slug": slug, "modules": ["clinic"],
                                "admin_email": f"admin@{slug}.test", "admin_password": PASSWORD,
                                "time_zone": "Europe/London"}, timeout=10)
        check("a tenant is made through the platform API", r.status_code == 201, r.text)
        r = requests.post(f"http://127.0.0.1:{port}/api/v1/auth/login",
                          json={"tenant": slug, "email": f"admin@{slug}.test",
                                "password": PASSWORD}, timeout=10)
        check("a sign-in", r.status_code == 200, r.text)
        auth = {"Authorization": f"Bearer {r.json().get('access_token', '')}"}
        doc = requests.post(f"http://127.0.0.1:{port}/api/v1/users", headers=auth, json={
            "email": f"dr@{slug}.test", "full_name": "Dr Image", "role": "practitioner",
            "password": PASSWORD, "is_practitioner": True}, timeout=10).json()
        patient = requests.post(f"http://127.0.0.1:{port}/api/v1/contacts", headers=auth, json={
            "type": "patient", "first_name": "Ivy", "last_name": "Image",
            "email": "ivy@example.org", "consent": {"email_reminders": True}}, timeout=10).json()
        when = time.strftime("%Y-%m-%dT10:00:00Z", time.gmtime(time.time() + 3 * 86400))
        r = requests.post(f"http://127.0.0.1:{port}/api/v1/appointments", headers=auth, json={
            "patient_id": patient.get("id"), "practitioner_id": doc.get("id"),
            "appointment_time": when, "duration_minutes": 30, "overbook": True,
            "overbook_reason": "image test"}, timeout=10)
        check("a booking", r.status_code == 201, r.text)
        pg.sql("UPDATE tenants SET settings = settings || '{\"quiet_hours\": null}';"
               " UPDATE outbox SET send_at = now() WHERE topic = 'appointment.reminder'")
        wenv = dict(env, CRM_LISTEN=f"127.0.0.1:{worker_port}", CRM_MAIL_DIR=mail,
                    CRM_WORKER_POLL_MS="100")
        out = container("crm-worker", ["worker"], wenv, mounts + [mail])
        check("crm worker starts", out.returncode == 0, out.stderr)
        deadline = time.monotonic() + 30
        sent = []
        while time.monotonic() < deadline:
            sent = pg.sql("SELECT count(*) FROM outbox WHERE topic = 'appointment.reminder'"
                          " AND state = 'sent'")
            if sent and int(sent[0][0]) >= 2:
                break
            time.sleep(0.2)
        emails = [f for f in os.listdir(mail) if f.endswith(".eml")]
        check(f"the worker sent the reminders ({len(emails)} .eml files)",
              sent and int(sent[0][0]) >= 2 and len(emails) >= 2, logs("crm-worker")[-2000:])
        # SIGTERM under load: every request answered
        failures, answered, stop_load = [], [0], threading.Event()

        def load():
            s = requests.Session()
            while not stop_load.is_set():
                try:
                    r = s.get(f"http://127.0.0.1:{port}/api/v1/me", headers=auth, timeout=10)
                    if r.status_code != 200:
                        failures.append(r.status_code)
                    answered[0] += 1
                except requests.ConnectionError:
                    break  # the server closed: after the drain, no new connection is served
        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(1)
        stop("crm-api")
        stop_load.set()
        for t in threads:
            t.join()
        check(f"SIGTERM drains with no failed request ({answered[0]} answered)",
              not failures and answered[0] > 0, str(failures[:5]))
        check("crm serve exits 0 after SIGTERM", exit_code("crm-api") == "0", logs("crm-api")[-800:])
        stop("crm-worker")
        check("crm worker exits 0 after SIGTERM",
              exit_code("crm-worker") == "0" and "received SIGTERM" in logs("crm-worker"),
              logs("crm-worker")[-800:])
    finally:
        for name in ("crm-api", "crm-worker", "crm-migrate"):
            subprocess.run([*RUN, "rm", "-f", name], capture_output=True)
        pg.destroy()
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
