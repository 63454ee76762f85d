"""`crm dev` (what `make run` runs): private cluster, migrations, demo tenant, serve, clean stop."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import requests

from crmtest import CRM, SANITIZER_MARKERS


def run_dev(dev_dir):
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    proc = subprocess.Popen([CRM, "dev", "--dev-dir", dev_dir, "--listen", "127.0.0.1:0",
                             "--sms-log", os.path.join(dev_dir, "sms.log"),
                             "--mail-dir", os.path.join(dev_dir, "mail"),
                             "--worker-poll", "100"],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = open(log.name).read()
        m = re.search(r"CRM is running: http://127\.0\.0\.1:(\d+)", text)
        if m:
            return proc, log.name, int(m.group(1))
        assert proc.poll() is None, text
        time.sleep(0.1)
    raise AssertionError("crm dev did not start:\n" + open(log.name).read())


def stop_dev(proc, log):
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    text = open(log).read()
    os.unlink(log)
    for marker in SANITIZER_MARKERS:
        assert marker not in text, text
    return text


def psql(url, query):
    out = subprocess.run(["psql", "-X", "-At", "-d", url.replace("user=crm", "user=postgres"),
                          "-c", query], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def this_week(url):
    """The demo diary's current week (Monday to Sunday in the clinic's zone): its count of
    appointments, their practitioners and statuses, and how many fall outside their
    practitioner's working hours (weekdays 09:00-12:30 and 13:30-17:00, Saturdays 09:00-13:00)."""
    row = psql(url, """
        WITH w AS (SELECT a.status, a.practitioner_id,
                          a.starts_at AT TIME ZONE t.time_zone AS s,
                          a.ends_at AT TIME ZONE t.time_zone AS e
                     FROM clinic_appointments a JOIN tenants t ON t.id = a.tenant_id
                    WHERE date_trunc('week', a.starts_at AT TIME ZONE t.time_zone)
                          = date_trunc('week', now() AT TIME ZONE t.time_zone))
        SELECT count(*), count(DISTINCT practitioner_id),
               coalesce(string_agg(DISTINCT status, ','), ''),
               count(*) FILTER (WHERE s::date <> e::date OR NOT EXISTS (
                   SELECT 1 FROM clinic_schedules h
                    WHERE h.practitioner_id = w.practitioner_id
                      AND h.weekday = extract(isodow FROM s)
                      AND s::time >= h.start_time AND e::time <= h.end_time))
          FROM w""").split("|")
    return {"count": int(row[0]), "practitioners": int(row[1]),
            "statuses": set(filter(None, row[2].split(","))), "outside_hours": int(row[3])}


def demo_messages(url):
    """Whether the demo's bookings have reminders queued, and how many other messages: made-up
    bookings are no news to anyone, so none (clinic 0019's notices)."""
    return psql(url, "SELECT count(*) FILTER (WHERE topic = 'appointment.reminder') > 0,"
                     " count(*) FILTER (WHERE topic <> 'appointment.reminder') FROM outbox")


def test_dev_sets_up_everything_and_reuses_it():
    base = tempfile.mkdtemp(prefix="crm-dev-")
    os.chmod(base, 0o755)
    dev_dir = os.path.join(base, "var")
    try:
        proc, log, port = run_dev(dev_dir)
        r = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        assert r.status_code == 200, r.text
        assert requests.get(f"http://127.0.0.1:{port}/docs", timeout=10).status_code == 200
        text = open(log).read()
        assert "applied crm 0001_roles_extensions_tenants" in text
        url = re.search(r"Database: +(.+)", text).group(1).strip()
        tenants = subprocess.run(["psql", "-X", "-At", "-d", url.replace("user=crm", "user=postgres"),
                                  "-c", "SELECT slug, name FROM tenants"],
                                 capture_output=True, text=True)
        assert tenants.stdout.strip() == "demo|Demo Clinic", tenants.stderr
        counts = subprocess.run(["psql", "-X", "-At", "-d", url.replace("user=crm", "user=postgres"),
                                 "-c", "SELECT (SELECT count(*) FROM users), (SELECT count(*)"
                                 " FROM contacts), (SELECT count(DISTINCT type) FROM contacts),"
                                 " (SELECT count(DISTINCT stage_id) FROM deals),"
                                 " (SELECT count(*) FROM activities),"
                                 " (SELECT count(*) FROM clinic_appointments),"
                                 " (SELECT count(DISTINCT status) FROM clinic_appointments),"
                                 " (SELECT count(DISTINCT practitioner_id) FROM clinic_schedules),"
                                 " (SELECT count(*) FROM tenant_modules WHERE module = 'clinic'),"
                                 " (SELECT count(*) FROM contacts WHERE type = 'patient'),"
                                 " (SELECT count(*) FROM deals d JOIN contacts c ON c.id ="
                                 " d.contact_id WHERE c.type = 'patient'),"
                                 " (SELECT count(DISTINCT assigned_to) FROM activities)"],
                                capture_output=True, text=True).stdout.strip().split("|")
        assert counts[:4] == ["8", "200", "3", "6"], counts  # 6 roles + 2 more practitioners
        assert int(counts[4]) >= 300
        assert int(counts[5]) >= 50 and int(counts[6]) >= 4, counts  # appointments, statuses
        assert counts[7:9] == ["3", "1"], counts  # three practitioners' hours; clinic enabled
        # the clinic's seed made the contacts without deals patients, Dr Patel's activities
        assert counts[9:] == ["120", "0", "3"], counts
        assert demo_messages(url) == "t|0"
        r = requests.post(f"http://127.0.0.1:{port}/api/v1/auth/login",
                          json={"tenant": "demo", "email": "dr.patel@demo.clinic",
                                "password": "demo-password-2026"}, timeout=30)
        assert r.status_code == 200, r.text
        first = this_week(url)
        assert first["practitioners"] == 3, first
        assert first["count"] >= 3 * 5 * 5, first  # about seven a working day each
        assert first["outside_hours"] == 0, first
        # the statuses the clock allows: over, under way or ahead
        assert first["statuses"] <= {"fulfilled", "noshow", "cancelled", "checked-in",
                                     "arrived", "booked", "pending", "proposed"}, first
        assert len(first["statuses"]) >= 3, first
        # the delivery worker runs in the same process: a reminder made due goes at once
        psql(url, "UPDATE tenants SET settings = settings || '{\"quiet_hours\": null}'")
        due = [line.split("|") for line in psql(
            url, "UPDATE outbox SET send_at = now() WHERE id IN ((SELECT id FROM outbox WHERE"
                 " state = 'queued' AND channel = 'sms' LIMIT 1) UNION ALL (SELECT id FROM"
                 " outbox WHERE state = 'queued' AND channel = 'email' LIMIT 1))"
                 " RETURNING id, channel").splitlines() if "|" in line]
        assert sorted(c for _, c in due) == ["email", "sms"], due
        ids = ", ".join(f"'{i}'" for i, _ in due)
        deadline = time.monotonic() + 30
        while psql(url, f"SELECT count(*) FROM outbox WHERE id IN ({ids}) AND state = 'sent'") != str(
                len(due)):
            assert time.monotonic() < deadline, psql(url, f"SELECT * FROM outbox WHERE id IN ({ids})")
            time.sleep(0.1)
        phone = psql(url, f"SELECT recipient FROM outbox WHERE id IN ({ids}) AND channel = 'sms'")
        assert phone in open(os.path.join(dev_dir, "sms.log")).read()
        assert len(os.listdir(os.path.join(dev_dir, "mail"))) == 1
        metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert re.search(r'crm_outbox_messages_total\{outcome="sent"\} [1-9]', metrics), metrics
        total = int(psql(url, "SELECT count(*) FROM clinic_appointments"))
        # a month goes by: the appointments are all in the past now
        psql(url, "UPDATE clinic_appointments SET starts_at = starts_at - interval '28 days',"
                  " ends_at = ends_at - interval '28 days'")
        assert this_week(url)["count"] == 0
        text = stop_dev(proc, log)
        assert "stopped PostgreSQL" in text
        assert not os.path.exists(os.path.join(dev_dir, "pg", "postmaster.pid"))

        proc, log, port = run_dev(dev_dir)  # the second run reuses the cluster and its data
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200
        url = re.search(r"Database: +(.+)", open(log).read()).group(1).strip()
        again = this_week(url)  # the current week's diary is full again
        assert again["practitioners"] == 3 and again["count"] >= 3 * 5 * 5, again
        assert again["outside_hours"] == 0, again
        assert demo_messages(url) == "t|0"
        added = int(psql(url, "SELECT count(*) FROM clinic_appointments")) - total
        # all of them from this Monday on (from a Saturday, the next week's too)
        assert added >= again["count"], (added, again)
        assert int(psql(url, "SELECT count(*) FROM clinic_appointments a JOIN tenants t ON"
                             " t.id = a.tenant_id WHERE a.starts_at AT TIME ZONE t.time_zone"
                             " >= date_trunc('week', now() AT TIME ZONE t.time_zone)")) == added
        text = stop_dev(proc, log)
        assert "database is up to date" in text
        assert "creating a private PostgreSQL cluster" not in text
        # a third start adds nothing: the week has its appointments
        proc, log, port = run_dev(dev_dir)
        url = re.search(r"Database: +(.+)", open(log).read()).group(1).strip()
        assert this_week(url) == again
        assert int(psql(url, "SELECT count(*) FROM clinic_appointments")) == total + added
        stop_dev(proc, log)
    finally:
        pg_ctl = os.path.join(os.environ.get("CRM_PG_BINDIR", "/usr/lib/postgresql/15/bin"),
                              "pg_ctl")
        if os.path.exists(os.path.join(dev_dir, "pg", "postmaster.pid")):
            subprocess.run([pg_ctl, "stop", "-m", "immediate", "-D", os.path.join(dev_dir, "pg")],
                           user="postgres" if os.geteuid() == 0 else None)
        shutil.rmtree(base, ignore_errors=True)
