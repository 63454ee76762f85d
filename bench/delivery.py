#!/usr/bin/env python3
"""delivery.py - what delivering reminders costs: 10,000 due reminders of one clinic (half by
SMS to a local fake of Twilio's API, half by email to a local SMTP server), drained by the
release build's `crm worker` (one, then two at once on a fresh set). For each run: messages/s
from the first claim to the last row settled, and the CPU seconds per 1,000 messages of the
worker(s) and of the database cluster (all its processes, from /proc). The fakes run in this
process and use CPU of their own, which is not counted. Prints a table and writes
bench/results/latest-delivery.json, replacing the previous run's. Run with `make bench-delivery`
(`make bench` runs it last)."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
os.environ.setdefault("CRM_BINARY", os.path.join(ROOT, "build", "crm"))

from aiosmtpd.controller import Controller  # noqa: E402

from crmtest import PASSWORD, Server, crm  # noqa: E402
from fake_twilio import FROM, SID, TOKEN, FakeTwilio  # noqa: E402
from run import BenchPostgres, cluster_cpu_s, cpu_s, proc_stat  # noqa: E402

MESSAGES = int(os.environ.get("CRM_BENCH_MESSAGES", "10000"))


class Counter:
    """The SMTP server's handler: counts what it accepted."""

    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 2.0.0 Accepted"


def seed(pg, n):
    """A clinic with n patients, each with one appointment and one reminder due now: even ones
    by SMS, odd ones by email. Returns the tenant's id."""
    out = crm("tenant", "create", "--name", "Delivery Clinic", "--slug", "delivery",
              "--admin-email", "admin@delivery.test", "--admin-password", PASSWORD,
              "--modules", "clinic", env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 0, out.stderr
    out = crm("user", "create", "--tenant", "delivery", "--email", "dr@delivery.test",
              "--full-name", "Dr Ada Lovelace", "--role", "practitioner", "--password", PASSWORD,
              "--practitioner", env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 0, out.stderr
    tenant = pg.sql("SELECT id FROM tenants WHERE slug = 'delivery'")[0][0]
    doctor = pg.sql("SELECT id FROM users WHERE email = 'dr@delivery.test'")[0][0]
    pg.sql(f"UPDATE tenants SET settings = '{{\"quiet_hours\": null,"
           f" \"reminder_offsets_minutes\": [1440]}}' WHERE id = '{tenant}'")
    pg.sql(f"""INSERT INTO contacts (tenant_id, id, type, first_name, last_name, phone, email,
                                     consent)
        SELECT '{tenant}', ('d0000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid,
               'patient', 'First' || i, 'Last' || i, '+447700' || lpad(i::text, 6, '0'),
               'patient' || i || '@example.org',
               jsonb_build_object('sms_reminders', i % 2 = 0, 'email_reminders', i % 2 = 1)
          FROM generate_series(1, {n}) i""")
    # one practitioner, one appointment every 30 minutes from tomorrow on: no clash
    pg.sql(f"""SELECT set_config('clinic.notices', 'off', false);
        INSERT INTO clinic_appointments (tenant_id, patient_id, practitioner_id,
                   practitioner_name, starts_at, duration_minutes, ends_at, status)
        SELECT '{tenant}', ('d0000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid,
               '{doctor}', 'Dr Ada Lovelace',
               date_trunc('hour', now()) + interval '2 days' + i * interval '30 minutes', 30,
               date_trunc('hour', now()) + interval '2 days' + i * interval '30 minutes'
                   + interval '30 minutes', 'booked'
          FROM generate_series(1, {n}) i""")
    # the reminders the bookings queued, kept aside: each run queues a fresh copy
    pg.sql(f"CREATE TABLE bench_reminders AS SELECT tenant_id, topic, channel, subject_id,"
           f" contact_id, payload, not_after FROM outbox WHERE tenant_id = '{tenant}'"
           f" AND topic = 'appointment.reminder';"
           f" DELETE FROM outbox WHERE tenant_id = '{tenant}'")
    return tenant


def make_due(pg, tenant):
    """A fresh copy of the reminders, due now; their number."""
    pg.sql(f"DELETE FROM outbox WHERE tenant_id = '{tenant}'")
    ids = pg.sql("INSERT INTO outbox (tenant_id, topic, channel, subject_id, contact_id, payload,"
                 " send_at, not_after) SELECT tenant_id, topic, channel, subject_id, contact_id,"
                 " payload, now() - interval '1 second', not_after FROM bench_reminders"
                 " RETURNING 1")
    pg.sql("VACUUM ANALYZE outbox")
    return len(ids)


def remaining(pg, tenant):
    return int(pg.sql(f"SELECT count(*) FROM outbox WHERE tenant_id = '{tenant}'"
                      " AND state IN ('queued', 'sending')")[0][0])


def drain(pg, tenant, twilio, smtp_url, workers, batch):
    """Starts `workers` workers and waits until every row is settled; the figures."""
    due = make_due(pg, tenant)
    env = {"CRM_TWILIO_ACCOUNT_SID": SID, "CRM_TWILIO_AUTH_TOKEN": TOKEN,
           "CRM_TWILIO_BASE_URL": twilio.url, "CRM_SMS_FROM": FROM,
           "CRM_SMTP_URL": smtp_url, "CRM_SMTP_FROM": "noreply@delivery.test",
           "CRM_WORKER_BATCH": str(batch), "CRM_WORKER_POLL_MS": "20",
           "CRM_MAIL_DIR": tempfile.mkdtemp(prefix="crm-bench-mail-")}
    db_before = cluster_cpu_s(pg)
    start = time.monotonic()
    procs = [Server(pg, env=dict(env, CRM_WORKER_ID=f"bench-{i}"), command="worker")
             for i in range(workers)]
    while remaining(pg, tenant):
        time.sleep(0.05)
    elapsed = time.monotonic() - start
    worker_cpu = sum(cpu_s(proc_stat(p.proc.pid)) for p in procs)
    db_cpu = cluster_cpu_s(pg) - db_before
    for p in procs:
        p.stop()
    states = dict(pg.sql(f"SELECT state, count(*) FROM outbox WHERE tenant_id = '{tenant}'"
                         " GROUP BY state"))
    return {"workers": workers, "batch": batch, "messages": due, "seconds": round(elapsed, 2),
            "messages_per_s": round(due / elapsed, 1),
            "worker_cpu_s_per_1000": round(worker_cpu / due * 1000, 3),
            "db_cpu_s_per_1000": round(db_cpu / due * 1000, 3),
            "sent": int(states.get("sent", 0)), "not_sent": due - int(states.get("sent", 0))}


def main():
    pg = BenchPostgres()
    pg.start()
    twilio = FakeTwilio()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    counter = Counter()
    smtp = Controller(counter, hostname="127.0.0.1", port=port)
    smtp.start()
    runs = []
    try:
        pg.bootstrap()
        tenant = seed(pg, MESSAGES)
        for workers, batch in ((1, 20), (1, 100), (2, 20)):
            r = drain(pg, tenant, twilio, f"smtp://127.0.0.1:{port}", workers, batch)
            runs.append(r)
            print(f"{workers} worker(s), batch {batch}: {r['messages']} messages in"
                  f" {r['seconds']} s = {r['messages_per_s']}/s; CPU per 1,000: worker"
                  f" {r['worker_cpu_s_per_1000']} s, database {r['db_cpu_s_per_1000']} s;"
                  f" not sent {r['not_sent']}", flush=True)
    finally:
        smtp.stop()
        twilio.close()
        pg.destroy()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip()
    out = {"commit": commit, "date": time.strftime("%Y-%m-%d"), "runs": runs,
           "sms_requests": len(twilio.requests), "emails": counter.count}
    path = os.path.join(ROOT, "bench", "results", "latest-delivery.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(f"wrote {path}")
    return 0 if all(r["not_sent"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
