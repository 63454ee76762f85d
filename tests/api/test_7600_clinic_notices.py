"""Notices of a change to an appointment (clinic 0019): a booking, a move and a cancellation
queue urgent notices to the patient on each consented channel, in the same transaction; a new
change supersedes the notices still queued; the practitioner's notice only where the tenant
switched it on; and the context statement the delivery worker runs (through the testkit), with
the invitation it makes, the same UID and SEQUENCE as the practitioner's calendar feed."""
import datetime
import json
from zoneinfo import ZoneInfo

import icalendar
import pytest

from crmtest import Tenant

pytestmark = pytest.mark.clinic

UTC = datetime.timezone.utc
NOTICES = "('appointment.booked', 'appointment.rescheduled', 'appointment.cancelled'," \
          " 'practitioner.booking_notice')"
SUPERSEDED = "superseded by a later change to the appointment"


def at(days, hour=10, minute=0):
    d = datetime.datetime.now(UTC) + datetime.timedelta(days=days)
    return d.replace(hour=hour, minute=minute, second=0, microsecond=0)


def patient(t, name, phone=None, email=None, sms=False, mail=False):
    r = t.request("receptionist", "POST", "/api/v1/contacts", json={
        "type": "patient", "first_name": name, "last_name": "Notice", "phone": phone,
        "email": email, "consent": {"sms_reminders": sms, "email_reminders": mail}})
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture(scope="module")
def t(server, pg):
    t = Tenant(server, "notice-a", modules=("clinic", "testkit"))
    t.both = patient(t, "Ann", "+44 7700 900301", "ann@notice.example", sms=True, mail=True)
    t.sms_only = patient(t, "Sid", "+44 7700 900302", "sid@notice.example", sms=True)
    t.silent = patient(t, "Nell", "+44 7700 900303", "nell@notice.example")
    r = t.request("admin", "POST", "/api/v1/users",
                  json={"email": "doc2@notice-a.test", "full_name": "Dr Second Opinion",
                        "role": "practitioner", "password": "correct-horse-battery-9",
                        "is_practitioner": True})
    assert r.status_code == 201, r.text
    t.doc2 = r.json()["id"]
    return t


@pytest.fixture
def settings(t, pg):
    """Sets the tenant's settings for one test (as the settings API stores them)."""
    def put(value):
        pg.sql(f"UPDATE tenants SET settings = settings || '{json.dumps(value)}'::jsonb"
               f" WHERE id = '{t.id}'")
    before = pg.sql(f"SELECT settings FROM tenants WHERE id = '{t.id}'")[0][0]
    yield put
    pg.sql(f"UPDATE tenants SET settings = '{before}' WHERE id = '{t.id}'")


def book(t, who, when, practitioner=None, status=None):
    body = {"patient_id": who, "practitioner_id": practitioner or t.users["practitioner"],
            "appointment_time": when.isoformat(), "duration_minutes": 30}
    if status:
        body["status"] = status
    r = t.request("receptionist", "POST", "/api/v1/appointments", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def change(t, a, role="receptionist", **fields):
    cur = t.request(role, "GET", f"/api/v1/appointments/{a['id']}")
    assert cur.status_code == 200, cur.text
    body = {k: (v.isoformat() if isinstance(v, datetime.datetime) else v)
            for k, v in fields.items()}
    r = t.request(role, "PATCH", f"/api/v1/appointments/{a['id']}",
                  headers={"If-Match": cur.headers["ETag"]}, json=body)
    assert r.status_code == 200, r.text
    return r.json()


def notices(pg, a, state=None):
    """The appointment's notices, oldest first: dicts of the columns that matter."""
    rows = pg.sql(
        "SELECT json_build_object('id', id, 'topic', topic, 'channel', channel, 'state', state,"
        " 'urgent', urgent, 'due', send_at <= now(), 'not_after', not_after,"
        " 'contact_id', contact_id, 'to', payload ->> 'to', 'at', payload ->> 'appointment_time',"
        " 'previous', payload ->> 'previous_starts_at',"
        " 'previous_name', payload ->> 'previous_practitioner_name',"
        " 'cancel_reason', cancel_reason, 'tenant_id', tenant_id)"
        f" FROM outbox WHERE subject_id = '{a['id']}' AND topic IN {NOTICES}"
        + (f" AND state = '{state}'" if state else "") + " ORDER BY created_at, topic, channel")
    out = [json.loads(r[0]) for r in rows]
    for n in out:
        for k in ("not_after", "at", "previous"):
            if n[k]:
                n[k] = datetime.datetime.fromisoformat(n[k])
    return out


def pick(rows, *keys):
    return [tuple(r[k] for k in keys) for r in rows]


def send(pg, rows):
    """Marks rows sent as the delivery worker does (claimed, then settled)."""
    ids = ",".join(f"'{r['id']}'" for r in rows)
    pg.sql(f"UPDATE outbox SET state = 'sending', claimed_by = 'test' WHERE id IN ({ids});"
           f" UPDATE outbox SET state = 'sent', provider_id = 'test-' || id::text,"
           f" recipient = payload ->> 'to', sender = 'Clinic', body = 'sent by the test'"
           f" WHERE id IN ({ids})")


def context(t, kind, rows, role="admin"):
    r = t.request(role, "POST", "/testkit/message-context",
                  json={"kind": kind, "ids": [x["id"] for x in rows]})
    assert r.status_code == 200, r.text
    return {x["id"]: x for x in r.json()["data"]}


def test_a_booking_queues_a_confirmation_on_each_consented_channel(t, pg):
    when = at(3)
    a = book(t, t.both, when)
    rows = notices(pg, a)
    assert pick(rows, "topic", "channel", "state", "urgent", "due", "to") == [
        ("appointment.booked", "email", "queued", True, True, "ann@notice.example"),
        ("appointment.booked", "sms", "queued", True, True, "+447700900301")]
    assert {r["not_after"] for r in rows} == {when}  # pointless once it has started
    assert {r["contact_id"] for r in rows} == {t.both}
    only_sms = book(t, t.sms_only, at(3, 11))
    assert pick(notices(pg, only_sms), "topic", "channel") == [("appointment.booked", "sms")]
    # no consent, no notice (and none to the practitioner: that is off by default)
    assert notices(pg, book(t, t.silent, at(3, 12))) == []


def test_what_is_not_booked_or_is_over_queues_nothing(t, pg):
    assert notices(pg, book(t, t.both, at(-2))) == []  # entered after the fact
    pending = book(t, t.both, at(3, 14), status="pending")
    assert notices(pg, pending) == []
    change(t, pending, status="cancelled")  # never booked: nothing to take back
    assert notices(pg, pending) == []
    # a pending request that the clinic books is confirmed then
    pending = book(t, t.both, at(3, 15), status="pending")
    change(t, pending, status="booked")
    assert pick(notices(pg, pending), "topic", "state") == [("appointment.booked", "queued")] * 2


def test_a_move_before_the_confirmation_went_confirms_the_new_time(t, pg):
    a = book(t, t.both, at(4))
    moved = at(4, 15)
    change(t, a, appointment_time=moved)
    rows = notices(pg, a)
    assert pick(rows, "topic", "state", "cancel_reason") == [
        ("appointment.booked", "cancelled", SUPERSEDED)] * 2 + [
        ("appointment.booked", "queued", None)] * 2
    assert {r["at"] for r in rows if r["state"] == "queued"} == {moved}


def test_a_move_after_the_confirmation_went_says_where_from(t, pg):
    first = at(5)
    a = book(t, t.both, first)
    send(pg, notices(pg, a))
    second, third = at(5, 14), at(6, 9)
    change(t, a, appointment_time=second)
    rows = notices(pg, a, "queued")
    assert pick(rows, "topic", "channel", "previous", "previous_name", "at") == [
        ("appointment.rescheduled", "email", first, "Practitioner User", second),
        ("appointment.rescheduled", "sms", first, "Practitioner User", second)]
    assert all(r["urgent"] and r["not_after"] == second for r in rows)
    # moved again before that went: one notice, from the time the patient was last sent
    change(t, a, appointment_time=third)
    assert [r["state"] for r in notices(pg, a) if r["at"] == second] == ["cancelled"] * 2
    assert pick(notices(pg, a, "queued"), "topic", "previous", "at") == [
        ("appointment.rescheduled", first, third)] * 2
    # and back to where the patient knows it is: nothing to tell
    change(t, a, appointment_time=first)
    assert notices(pg, a, "queued") == []
    # the reminders follow the appointment as before
    reminders = pg.sql(f"SELECT count(*) FROM outbox WHERE subject_id = '{a['id']}'"
                       " AND topic = 'appointment.reminder' AND state = 'queued'"
                       f" AND not_after = '{first.isoformat()}'")
    assert reminders == [["4"]]


def test_a_new_practitioner_is_a_move(t, pg):
    a = book(t, t.sms_only, at(7))
    send(pg, notices(pg, a))
    change(t, a, practitioner_id=t.doc2)
    assert pick(notices(pg, a, "queued"), "topic", "channel", "previous_name") == [
        ("appointment.rescheduled", "sms", "Practitioner User")]


def test_cancelling_queues_a_cancellation_and_drops_what_is_still_queued(t, pg):
    when = at(8)
    a = book(t, t.both, when)
    change(t, a, status="cancelled", cancel_reason="Admitted to hospital")
    rows = notices(pg, a)
    assert pick(rows, "topic", "state", "cancel_reason") == [
        ("appointment.booked", "cancelled", SUPERSEDED)] * 2 + [
        ("appointment.cancelled", "queued", None)] * 2
    assert all(r["urgent"] and r["not_after"] == when for r in rows[2:])
    assert pg.sql(f"SELECT DISTINCT state FROM outbox WHERE subject_id = '{a['id']}'"
                  " AND topic = 'appointment.reminder'") == [["cancelled"]]
    # a confirmed appointment cancelled: the patient hears of it
    b = book(t, t.sms_only, at(8, 14))
    send(pg, notices(pg, b))
    change(t, b, status="cancelled")
    assert pick(notices(pg, b), "topic", "state") == [
        ("appointment.booked", "sent"), ("appointment.cancelled", "queued")]
    # entered in error: the cancellation still queued is dropped too, and nothing replaces it
    change(t, b, status="entered-in-error")
    assert pick(notices(pg, b), "topic", "state") == [
        ("appointment.booked", "sent"), ("appointment.cancelled", "cancelled")]


def test_a_kind_the_tenant_switched_off_is_not_queued(t, pg, settings):
    settings({"messages_enabled": {"appointment.booked": False}})
    a = book(t, t.both, at(9))
    assert notices(pg, a) == []
    change(t, a, status="cancelled")
    assert pick(notices(pg, a), "topic") == [("appointment.cancelled",)] * 2


def test_the_practitioners_notice_only_where_switched_on(t, pg, settings):
    settings({"messages_enabled": {"practitioner.booking_notice": False}})
    a = book(t, t.silent, at(10))
    assert notices(pg, a) == []
    settings({"messages_enabled": {"practitioner.booking_notice": True}})
    when = at(10, 14)
    a = book(t, t.silent, when)
    rows = notices(pg, a)
    assert pick(rows, "topic", "channel", "state", "urgent", "due", "to", "contact_id") == [
        ("practitioner.booking_notice", "email", "queued", True, True,
         "practitioner@notice-a.test", None)]  # to staff: not a message to the patient
    assert rows[0]["not_after"] == when
    # given to another practitioner before it went: the new one is told, not the first
    change(t, a, practitioner_id=t.doc2)
    assert pick(notices(pg, a), "state", "to") == [
        ("cancelled", "practitioner@notice-a.test"), ("queued", "doc2@notice-a.test")]
    # cancelled before it went: no notice at all
    change(t, a, status="cancelled")
    assert [r["state"] for r in notices(pg, a)] == ["cancelled", "cancelled"]


def test_the_context_of_a_booking_and_its_invitation_match_the_feed(t, pg, settings):
    settings({"email_reply_to": "desk@notice.example", "phone": "+44 20 7946 0001"})
    when = at(11, 14, 30)
    a = change(t, book(t, t.both, when), notes="SECRET-NOTE", reason="SECRET-REASON",
               role="admin")
    rows = notices(pg, a)
    ctx = context(t, "appointment.booked", rows)
    email, sms = (ctx[r["id"]] for r in rows)
    local = when.astimezone(ZoneInfo("Europe/London"))
    assert email["reason"] is None and sms["reason"] is None
    c = email["context"]
    assert c["to"] == "ann@notice.example" and sms["context"]["to"] == "+447700900301"
    assert c["patient"] == {"first_name": "Ann", "last_name": "Notice"}
    assert c["practitioner"]["name"] == "Practitioner User"
    assert c["clinic"] == {"name": "Clinic notice-a", "phone": "+44 20 7946 0001"}
    assert c["appointment"]["duration_minutes"] == 30
    assert c["appointment"]["time_local"] == local.strftime("%H:%M")
    assert c["appointment"]["start_local"] == local.strftime("%A %-d %B at %H:%M")
    assert "invitation" not in sms["context"] and sms["invitation"] is None
    for row in (email, sms):
        assert "SECRET" not in json.dumps(row)  # no clinical field in any message
    inv = c["invitation"]
    assert inv["uid"] == f"{a['id']}@crm" and inv["sequence"] == a["version"] - 1
    assert email["invitation"]["method"] == "REQUEST"
    cal = icalendar.Calendar.from_ical(email["invitation"]["ics"])
    assert str(cal["METHOD"]) == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == f"{a['id']}@crm"
    assert event.decoded("DTSTART") == when
    assert event.decoded("DTEND") == when + datetime.timedelta(minutes=30)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:desk@notice.example"
    assert str(event["ATTENDEE"]) == "mailto:ann@notice.example"
    assert str(event["SUMMARY"]) == "Appointment with Practitioner User, Clinic notice-a"
    # the practitioner's feed shows the same event: same UID, same SEQUENCE
    feed = feed_event(t, a["id"])
    assert int(event["SEQUENCE"]) == int(feed["SEQUENCE"]) == a["version"] - 1

    # cancelled: the booking notice no longer applies, the cancellation does, as a CANCEL of
    # the same event at the feed's new SEQUENCE
    done = change(t, a, status="cancelled")
    assert context(t, "appointment.booked", rows)[rows[0]["id"]]["reason"] == \
        "the appointment is cancelled"
    cancel = [r for r in notices(pg, a) if r["topic"] == "appointment.cancelled"]
    ctx = context(t, "appointment.cancelled", cancel)
    email = next(ctx[r["id"]] for r in cancel if r["channel"] == "email")
    assert email["reason"] is None
    assert email["invitation"]["method"] == "CANCEL"
    cal = icalendar.Calendar.from_ical(email["invitation"]["ics"])
    [event] = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"{a['id']}@crm"
    assert int(event["SEQUENCE"]) == int(feed_event(t, a["id"])["SEQUENCE"]) \
        == done["version"] - 1 > inv["sequence"]
    assert "SECRET" not in json.dumps(ctx) and "Admitted" not in json.dumps(ctx)


def feed_event(t, appointment):
    r = t.request("admin", "POST", f"/api/v1/practitioners/{t.users['practitioner']}"
                  "/calendar-token")
    assert r.status_code == 201, r.text
    feed = t.server.get(r.json()["path"])
    assert feed.status_code == 200, feed.text
    events = [e for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
              if str(e["UID"]) == f"{appointment}@crm"]
    assert len(events) == 1
    return events[0]


def test_the_context_of_a_move_and_when_consent_goes(t, pg):
    a = book(t, t.both, at(12, 9, 15))
    send(pg, notices(pg, a))
    moved = change(t, a, appointment_time=at(12, 14, 30), practitioner_id=t.doc2)
    rows = notices(pg, a, "queued")
    ctx = context(t, "appointment.rescheduled", rows)
    email, sms = (ctx[r["id"]] for r in rows)
    assert sms["reason"] is None
    c = sms["context"]
    assert c["appointment"]["previous_start_local"].endswith(" at 09:15")
    assert c["appointment"]["start_local"].endswith(" at 14:30")
    assert c["practitioner"] == {"name": "Dr Second Opinion", "previous_name": "Practitioner User"}
    assert email["invitation"]["method"] == "REQUEST"
    [event] = icalendar.Calendar.from_ical(email["invitation"]["ics"]).walk("VEVENT")
    assert int(event["SEQUENCE"]) == moved["version"] - 1
    # the patient withdraws consent to SMS: that notice no longer applies, the email does
    r = t.request("receptionist", "PATCH", f"/api/v1/contacts/{t.both}",
                  headers={"If-Match": t.request("receptionist", "GET",
                                                 f"/api/v1/contacts/{t.both}").headers["ETag"]},
                  json={"consent": {"sms_reminders": False, "email_reminders": True}})
    assert r.status_code == 200, r.text
    try:
        ctx = context(t, "appointment.rescheduled", rows)
        assert ctx[rows[1]["id"]]["reason"] == "the patient withdrew consent to SMS reminders"
        assert ctx[rows[0]["id"]]["reason"] is None
    finally:
        r = t.request("receptionist", "PATCH", f"/api/v1/contacts/{t.both}",
                      headers={"If-Match": r.headers["ETag"]},
                      json={"consent": {"sms_reminders": True, "email_reminders": True}})
        assert r.status_code == 200, r.text


def test_the_context_of_the_practitioners_notice(t, pg, settings):
    settings({"messages_enabled": {"practitioner.booking_notice": True}})
    a = book(t, t.both, at(13))
    change(t, a, notes="SECRET-NOTE", reason="SECRET-REASON", role="admin")
    [row] = [r for r in notices(pg, a) if r["topic"] == "practitioner.booking_notice"]
    got = context(t, "practitioner.booking_notice", [row])[row["id"]]
    assert got["reason"] is None and got["invitation"] is None
    c = got["context"]
    assert c["to"] == "practitioner@notice-a.test"  # staff email, no patient consent involved
    assert c["patient"] == {"name": "A.N."}  # as the calendar feed names them
    assert c["practitioner"]["name"] == "Practitioner User" and "invitation" not in c
    assert "SECRET" not in json.dumps(got)
    settings({"calendar_full_names": True})
    assert context(t, "practitioner.booking_notice", [row])[row["id"]]["context"]["patient"] == \
        {"name": "Ann Notice"}
    # switched off again before it went: it no longer applies
    settings({"messages_enabled": {}})
    assert context(t, "practitioner.booking_notice", [row])[row["id"]]["reason"] == \
        "the tenant does not send practitioner.booking_notice"
    settings({"messages_enabled": {"practitioner.booking_notice": True}})
    set_user(t, active=False)
    try:
        assert context(t, "practitioner.booking_notice", [row])[row["id"]]["reason"] == \
            "the practitioner's account is disabled"
    finally:
        set_user(t, active=True)


def set_user(t, **fields):
    pid = t.users["practitioner"]
    etag = t.request("admin", "GET", f"/api/v1/users/{pid}").headers["ETag"]
    r = t.request("admin", "PATCH", f"/api/v1/users/{pid}", headers={"If-Match": etag},
                  json=fields)
    assert r.status_code in (200, 204), r.text


def test_other_tenants_are_untouched(t, pg, server):
    b = Tenant(server, "notice-b", modules=("clinic", "testkit"))
    mine = patient(b, "Bea", "+44 7700 900301", "ann@notice.example", sms=True, mail=True)
    theirs = book(b, mine, at(14))
    before = pg.sql(f"SELECT count(*) FROM outbox WHERE tenant_id = '{b.id}'")
    a = book(t, t.both, at(14, 14))
    rows = notices(pg, a)
    assert {r["tenant_id"] for r in rows} == {t.id} and len(rows) == 2
    assert pg.sql(f"SELECT count(*) FROM outbox WHERE tenant_id = '{b.id}'") == before
    assert pick(notices(pg, theirs), "state") == [("queued",)] * 2
    # another tenant's ids give nothing, under row-level security
    assert context(b, "appointment.booked", rows) == {}


def test_the_testkit_route_refuses_what_it_cannot_run(t):
    r = t.request("admin", "POST", "/testkit/message-context",
                  json={"kind": "no.such_kind", "ids": "x"})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"kind", "ids"}


def test_a_cancellation_by_sms_reply_is_notified_by_email_only(t, pg):
    a = book(t, t.both, at(9))
    send(pg, notices(pg, a))
    change(t, a, status="cancelled", cancel_reason="cancelled by SMS reply")
    rows = notices(pg, a, state="queued")
    assert pick(rows, "topic", "channel") == [("appointment.cancelled", "email"),
                                              ("appointment.cancelled", "sms")]
    got = context(t, "appointment.cancelled", rows)
    by_channel = {r["channel"]: got[r["id"]] for r in rows}
    assert by_channel["email"]["reason"] is None
    assert by_channel["sms"]["reason"] == "the patient cancelled by SMS reply and was answered there"
