"""`crm worker` end to end: reminders booked through the API are worded with the tenant's
template or the clinic's default, sent by SMS to a local fake of Twilio and by email to a local
SMTP server, and recorded; rows that no longer apply are cancelled with the reason; permanent and
passing failures; SIGTERM with a send in flight; a worker killed mid-batch; two workers at once;
/metrics."""
import email
import email.policy
import itertools
import re
import signal
import socket
import tempfile
import time
import uuid

import icalendar
import pytest
import requests
from aiosmtpd.controller import Controller

from crmtest import Server, Tenant, crm
from fake_twilio import FROM, SID, TOKEN, FakeTwilio, error

pytestmark = pytest.mark.clinic


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content,
                                                      policy=email.policy.default))
        return "250 2.0.0 Accepted"


@pytest.fixture
def smtp():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.url = f"smtp://127.0.0.1:{port}"
    yield box
    controller.stop()


@pytest.fixture
def twilio():
    fake = FakeTwilio()
    yield fake
    fake.close()


@pytest.fixture
def workers(pg):
    """Starts `crm worker` processes; each must have stopped cleanly (or been killed) at the
    end."""
    made = []

    def start(twilio, smtp=None, **env):
        full = {"CRM_TWILIO_ACCOUNT_SID": SID, "CRM_TWILIO_AUTH_TOKEN": TOKEN,
                "CRM_TWILIO_BASE_URL": twilio.url, "CRM_SMS_FROM": FROM,
                "CRM_SMTP_FROM": "noreply@clinic.example", "CRM_WORKER_POLL_MS": "50",
                "CRM_SMTP_URL": smtp.url if smtp else None,
                "CRM_MAIL_DIR": tempfile.mkdtemp(prefix="crm-mail-")}
        full.update(env)
        w = Server(pg, env=full, command="worker")
        made.append(w)
        return w

    yield start
    for w in made:
        if w.proc.poll() is None:
            w.stop()


NOTICES_OFF = ('{"messages_enabled": {"appointment.booked": false,'
               ' "appointment.rescheduled": false, "appointment.cancelled": false}}')


@pytest.fixture(scope="module")
def t(server, pg):
    """A clinic whose notices of changes are off, so that reminders are all its tests send
    (one test switches the booking notice on)."""
    t = Tenant(server, "deliver-" + uuid.uuid4().hex[:6])
    assert t.request("admin", "PUT", "/api/v1/modules/clinic",
                     json={"enabled": True}).status_code in (200, 204)
    pg.sql(f"UPDATE tenants SET settings = settings || '{NOTICES_OFF}' WHERE id = '{t.id}'")
    return t


def patient(t, first="Ann", sms=True, mail=True, phone=None):
    phone = phone or "+4477009" + str(uuid.uuid4().int)[:5]
    r = t.request("receptionist", "POST", "/api/v1/contacts", json={
        "type": "patient", "first_name": first, "last_name": "Smith", "phone": phone,
        "email": f"{uuid.uuid4().hex[:8]}@example.org",
        "consent": {"sms_reminders": sms, "email_reminders": mail}})
    assert r.status_code == 201, r.text
    return r.json()


SLOTS = itertools.count()


def book(t, contact):
    """Books contact on a day of its own (no clash), at 10:00 UTC."""
    days = 3 + next(SLOTS)
    when = time.strftime("%Y-%m-%dT10:00:00Z", time.gmtime(time.time() + days * 86400))
    r = t.request("receptionist", "POST", "/api/v1/appointments",
                  json={"patient_id": contact["id"], "practitioner_id": t.users["practitioner"],
                        "appointment_time": when, "duration_minutes": 30})
    assert r.status_code == 201, r.text
    return r.json()


def make_due(pg, appointment, channel=None):
    """Brings the appointment's queued reminders forward to now, out of quiet hours; their ids."""
    # the tenant looked up first: on Citus a change of the reference table tenants may not
    # follow a query of every shard in one statement
    tenant = pg.sql(f"SELECT tenant_id FROM clinic_appointments WHERE id = '{appointment}'")[0][0]
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"quiet_hours\": null}}'"
           f" WHERE id = '{tenant}'")
    only = f" AND channel = '{channel}'" if channel else ""
    return [r[0] for r in pg.sql(
        f"UPDATE outbox SET send_at = now() - interval '1 second' WHERE subject_id ="
        f" '{appointment}' AND state = 'queued'{only} RETURNING id")]


def rows(pg, ids, cols="state, attempts, provider_id, recipient, sender,"
                      " translate(body, E'\\n', '|'), cancel_reason, error_code"):
    id_list = ", ".join(f"'{i}'" for i in ids)
    return pg.sql(f"SELECT {cols} FROM outbox WHERE id IN ({id_list}) ORDER BY id")


def wait_for(check, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError("timed out")


def discard(pg, ids):
    """Cancels what a test leaves queued, so that the next test's workers do not send it."""
    id_list = ", ".join(f"'{i}'" for i in ids)
    pg.sql(f"UPDATE outbox SET state = 'cancelled' WHERE id IN ({id_list}) AND state = 'queued'")


def settled(pg, ids):
    return lambda: all(r[0] not in ("queued", "sending") for r in rows(pg, ids, "state"))


def test_reminders_go_by_sms_and_email(pg, t, twilio, smtp, workers):
    p = patient(t, first="Zoë")
    a = book(t, p)
    ids = make_due(pg, a["id"])
    assert len(ids) == 4  # 24 h and 2 h, SMS and email
    w = workers(twilio, smtp)
    wait_for(settled(pg, ids))
    got = rows(pg, ids)
    assert {r[0] for r in got} == {"sent"}
    texts = [f["Body"] for f in twilio.sent() if f["To"] == p["phone"]]
    assert len(texts) == 2
    assert all("Hi Zoë" in x and "Practitioner User" in x and "Reply C" in x for x in texts)
    for f in twilio.sent():
        if f["To"] == p["phone"]:
            assert f["From"] == FROM
    sms_rows = [r for r in got if r[3] == p["phone"]]
    assert len(sms_rows) == 2
    assert all(r[2].startswith("SM") and r[4] == FROM and r[5] in texts for r in sms_rows)
    mails = [m for m in smtp.messages if m["To"] == p["email"]]
    assert len(mails) == 2
    m = mails[0]
    assert m["Subject"].startswith("Your appointment on ")
    assert "Clinic " in m["From"] and "noreply@clinic.example" in m["From"]
    text = m.get_body(("plain",)).get_content()
    html = m.get_body(("html",)).get_content()
    assert "Hello Zoë" in text and "<strong>Practitioner User</strong>" in html
    mail_rows = [r for r in got if r[3] == p["email"]]
    assert {r[2] for r in mail_rows} == {x["Message-ID"] for x in mails}
    metrics = requests.get(w.url("/metrics"), timeout=10).text
    sent = re.search(r'crm_outbox_messages_total\{outcome="sent"\} (\d+)', metrics)
    assert sent and int(sent.group(1)) >= 4
    # what the worker container's HEALTHCHECK runs
    assert crm("healthcheck", "--listen", f"127.0.0.1:{w.port}").returncode == 0
    assert "crm_outbox_queue_depth" in metrics and "crm_outbox_oldest_due_seconds" in metrics


def test_tenant_template_escaping_and_switching_kinds_off(pg, t, twilio, smtp, workers):
    p = patient(t, first="<script>x</script>")
    a = book(t, p)
    pg.sql(f"INSERT INTO message_templates (tenant_id, kind, channel, body) VALUES ('{t.id}',"
           " 'appointment.reminder', 'sms', 'See you {{ appointment.time_local }}, "
           "{{patient.first_name}}!') ON CONFLICT (tenant_id, kind, channel) DO UPDATE"
           " SET body = excluded.body")
    ids = make_due(pg, a["id"])
    workers(twilio, smtp)
    wait_for(settled(pg, ids))
    texts = [f["Body"] for f in twilio.sent() if f["To"] == p["phone"]]
    assert texts == ["See you 10:00, <script>x</script>!"] * 2 or all(
        x.startswith("See you ") and x.endswith(", <script>x</script>!") for x in texts)
    mail = [m for m in smtp.messages if m["To"] == p["email"]][0]
    html = mail.get_body(("html",)).get_content()
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert "<script>x</script>" in mail.get_body(("plain",)).get_content()
    pg.sql(f"DELETE FROM message_templates WHERE tenant_id = '{t.id}'")

    b = book(t, p)
    pg.sql(f"UPDATE tenants SET settings = settings || "
           f"'{{\"messages_enabled\": {{\"appointment.reminder\": false}}}}' WHERE id = '{t.id}'")
    try:
        ids = make_due(pg, b["id"])
        wait_for(settled(pg, ids))
        assert {(r[0], r[6]) for r in rows(pg, ids)} == {
            ("cancelled", "the tenant switched appointment.reminder messages off")}
    finally:
        pg.sql(f"UPDATE tenants SET settings = settings || '{NOTICES_OFF}' WHERE id = '{t.id}'")


def test_rows_that_no_longer_apply_are_cancelled_with_the_reason(pg, t, twilio, workers):
    p = patient(t, mail=False)
    a = book(t, p)
    ids = make_due(pg, a["id"])
    pg.sql(f"UPDATE contacts SET consent = '{{\"sms_reminders\": false}}' WHERE id = '{p['id']}'")
    moved = book(t, patient(t, mail=False))
    moved_ids = make_due(pg, moved["id"])
    pg.sql(f"UPDATE outbox SET payload = payload || '{{\"appointment_time\":"
           f" \"2020-01-01T00:00:00Z\"}}' WHERE id IN ({', '.join(repr(i) for i in moved_ids)})")
    workers(twilio)
    wait_for(settled(pg, ids + moved_ids))
    assert {(r[0], r[6]) for r in rows(pg, ids)} == {
        ("cancelled", "the patient withdrew consent to SMS reminders")}
    assert {(r[0], r[6]) for r in rows(pg, moved_ids)} == {("cancelled", "the appointment moved")}
    assert not [f for f in twilio.sent() if f["To"] == p["phone"]]


def test_nothing_goes_once_the_clinic_module_is_off(pg, t, twilio, workers):
    ids = make_due(pg, book(t, patient(t, mail=False))["id"])
    assert t.request("admin", "PUT", "/api/v1/modules/clinic",
                     json={"enabled": False}).status_code in (200, 204)
    try:
        workers(twilio)
        wait_for(settled(pg, ids))
        assert {(r[0], r[6]) for r in rows(pg, ids)} == {
            ("cancelled", "the tenant switched the clinic module off")}
    finally:
        assert t.request("admin", "PUT", "/api/v1/modules/clinic",
                         json={"enabled": True}).status_code in (200, 204)


def test_permanent_failure_fails_at_once_and_a_passing_one_waits(pg, t, twilio, workers):
    a = book(t, patient(t, mail=False))
    ids = make_due(pg, a["id"])
    twilio.answer(400, error(21211, "The 'To' number is not a valid phone number.", 400))
    twilio.answer(503, error(20500, "Service unavailable", 503))
    workers(twilio)
    wait_for(lambda: all(r[0] != "sending" and r[1] == "1"
                         for r in rows(pg, ids, "state, attempts")))
    got = sorted((r[0], r[1], r[7]) for r in rows(pg, ids))
    assert got == [("failed", "1", "21211"), ("queued", "1", "20500")]
    later = pg.sql(f"SELECT send_at > now() + interval '30 seconds' FROM outbox WHERE id IN"
                   f" ({', '.join(repr(i) for i in ids)}) AND state = 'queued'")
    assert later == [["t"]]
    discard(pg, ids)


def test_sigterm_finishes_the_send_in_flight_and_gives_the_rest_back(pg, t, workers):
    slow = FakeTwilio(delay=1.0)
    try:
        ids = []
        for _ in range(3):
            ids += make_due(pg, book(t, patient(t, mail=False))["id"])
        w = workers(slow, CRM_WORKER_BATCH="10")
        wait_for(lambda: slow.requests)
        w.signal(signal.SIGTERM)
        log = w.stop()
        assert "received SIGTERM" in log
        states = sorted((r[0], r[1]) for r in rows(pg, ids, "state, attempts"))
        assert states.count(("sent", "1")) == len(slow.requests) >= 1
        assert states.count(("queued", "0")) == len(ids) - len(slow.requests)
    finally:
        slow.close()
        discard(pg, ids)


def test_a_killed_worker_loses_nothing(pg, t, workers):
    slow = FakeTwilio(delay=0.3)
    try:
        ids = []
        for _ in range(5):
            ids += make_due(pg, book(t, patient(t, mail=False))["id"])
        w = workers(slow, CRM_WORKER_BATCH="4", CRM_WORKER_LEASE_S="10")
        wait_for(lambda: len(slow.requests) >= 2)
        w.proc.send_signal(signal.SIGKILL)
        w.proc.wait(timeout=10)
        states = [r[0] for r in rows(pg, ids, "state")]
        assert 1 <= states.count("sending") <= 4, states
        pg.sql("UPDATE outbox SET lease_until = now() - interval '1 second'"
               " WHERE state = 'sending'")  # rather than waiting the lease out
        slow.delay = 0
        workers(slow)
        wait_for(settled(pg, ids))
        assert {r[0] for r in rows(pg, ids, "state")} == {"sent"}
        to = [f["To"] for f in slow.sent()]
        phones = {r[0] for r in rows(pg, ids, "recipient")}
        duplicates = sum(to.count(x) for x in phones) - len(ids)
        assert 0 <= duplicates <= 4  # at most the batch in flight went twice
    finally:
        slow.close()


def test_two_workers_never_send_one_row_twice(pg, t, twilio, workers):
    ids = []
    for _ in range(15):
        ids += make_due(pg, book(t, patient(t, mail=False))["id"])
    workers(twilio, CRM_WORKER_BATCH="3", CRM_WORKER_ID="w-one")
    workers(twilio, CRM_WORKER_BATCH="3", CRM_WORKER_ID="w-two")
    wait_for(settled(pg, ids), timeout=60)
    got = rows(pg, ids, "state, provider_id")
    assert {r[0] for r in got} == {"sent"} and len({r[1] for r in got}) == len(ids)
    bodies = [(f["To"], f["Body"]) for f in twilio.sent()]
    phones = {r[0] for r in rows(pg, ids, "recipient")}
    mine = [b for b in bodies if b[0] in phones]
    assert len(mine) == len(ids)  # each once


def test_a_booking_is_confirmed_at_once_with_an_invitation(pg, t, twilio, smtp, workers):
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"messages_enabled\":"
           f" {{\"appointment.booked\": true}}, \"quiet_hours\": {{\"start\": \"00:00\","
           f" \"end\": \"23:59\"}}}}' WHERE id = '{t.id}'")
    try:
        p = patient(t, first="Ann")
        workers(twilio, smtp)
        a = book(t, p)  # quiet hours all day: an urgent confirmation goes all the same
        ids = [r[0] for r in pg.sql(f"SELECT id FROM outbox WHERE subject_id = '{a['id']}'"
                                    " AND topic = 'appointment.booked'")]
        assert len(ids) == 2
        wait_for(settled(pg, ids))
        assert {r[0] for r in rows(pg, ids)} == {"sent"}
        [text] = [f["Body"] for f in twilio.sent() if f["To"] == p["phone"]]
        assert text.startswith("Hi Ann, your appointment with Practitioner User")
        [mail] = [m for m in smtp.messages if m["To"] == p["email"]]
        assert mail["Subject"].startswith("Appointment booked: ")
        [invite] = [part for part in mail.iter_attachments()
                    if part.get_content_type() == "text/calendar"]
        assert invite.get_param("method") == "REQUEST"
        cal = icalendar.Calendar.from_ical(invite.get_content())
        assert str(cal["METHOD"]) == "REQUEST"
        [event] = cal.walk("VEVENT")
        assert event["UID"] and event.decoded("DTSTART").isoformat().startswith(
            a["appointment_time"][:16].replace("Z", ""))
        # the reminders still wait for their time (and for the quiet hours to end)
        waiting = pg.sql(f"SELECT count(*) FROM outbox WHERE subject_id = '{a['id']}'"
                         " AND topic = 'appointment.reminder' AND state = 'queued'")
        assert waiting == [["4"]]
    finally:
        pg.sql(f"UPDATE tenants SET settings = (settings - 'quiet_hours') || '{NOTICES_OFF}'"
               f" WHERE id = '{t.id}'")


def test_a_tenant_s_own_assigned_sender(pg, t, twilio, workers):
    own = "+447700900555"
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"sms_senders\": [\"{own}\"],"
           f" \"sms_sender\": \"{own}\"}}' WHERE id = '{t.id}'")
    try:
        p = patient(t, mail=False)
        ids = make_due(pg, book(t, p)["id"])
        workers(twilio)
        wait_for(settled(pg, ids))
        assert {f["From"] for f in twilio.sent() if f["To"] == p["phone"]} == {own}
        assert {r[4] for r in rows(pg, ids)} == {own}  # where replies will come back to
    finally:
        pg.sql(f"UPDATE tenants SET settings = settings - 'sms_sender' - 'sms_senders'"
               f" WHERE id = '{t.id}'")


def test_a_claim_running_out_gives_the_rest_back_unsent(pg, t, workers):
    """A slow provider never makes a row go twice: what a claim has no time left to send goes
    back to the queue and is claimed afresh (here a 10 s lease, 5 s of it kept spare, 2 s a
    message: three of six sent per claim)."""
    slow = FakeTwilio(delay=2.0)
    try:
        ids, phones = [], []
        for _ in range(3):
            p = patient(t, mail=False)
            phones.append(p["phone"])
            ids += make_due(pg, book(t, p)["id"])
        w = workers(slow, CRM_WORKER_BATCH="6", CRM_WORKER_LEASE_S="10")
        wait_for(settled(pg, ids), timeout=40)
        assert {r[0] for r in rows(pg, ids, "state")} == {"sent"}
        # each row once: two reminders (24 h and 2 h before) per appointment
        assert sorted(f["To"] for f in slow.sent() if f["To"] in phones) == sorted(phones * 2)
        metrics = requests.get(w.url("/metrics"), timeout=10).text
        released = re.search(r'crm_outbox_messages_total\{outcome="released"\} (\d+)', metrics)
        assert released and int(released.group(1)) >= 2, metrics
    finally:
        slow.close()
