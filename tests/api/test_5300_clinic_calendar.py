"""The practitioner's calendar feed: a secret, revocable URL serving RFC 5545 iCalendar that
calendar apps can subscribe to; events keep their UID and bump SEQUENCE when changed."""
import datetime

import icalendar
import pytest

from crmtest import Tenant, assert_problem

pytestmark = pytest.mark.clinic


def at(days, hour=10):
    d = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return d.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture(scope="module")
def t(server):
    t = Tenant(server, "cal-a")
    t.request("admin", "PUT", "/api/v1/modules/clinic", json={"enabled": True})
    t.patient = t.request("receptionist", "POST", "/api/v1/contacts", json={
        "type": "patient", "first_name": "Ada", "last_name": "Lovelace"}).json()["id"]
    return t


def book(t, when, minutes=30):
    r = t.request("receptionist", "POST", "/api/v1/appointments",
                  json={"patient_id": t.patient, "practitioner_id": t.users["practitioner"],
                        "appointment_time": when.isoformat(), "duration_minutes": minutes,
                        "room": "Room 2"})
    assert r.status_code == 201, r.text
    return r.json()


def rotate(t, role="practitioner", practitioner=None):
    return t.request(role, "POST",
                     f"/api/v1/practitioners/{practitioner or t.users['practitioner']}"
                     "/calendar-token")


def feed(t, path, **kw):
    return t.server.request("GET", path, **kw)


def events(resp):
    cal = icalendar.Calendar.from_ical(resp.content)
    return {str(e["UID"]).split("@")[0]: e for e in cal.walk("VEVENT")}


def test_feed_lists_appointments_as_valid_icalendar(t):
    a = book(t, at(2))
    r = rotate(t)
    assert r.status_code == 201, r.text
    assert r.headers["Cache-Control"] == "no-store"
    path = r.json()["path"]
    assert path == f"/api/v1/calendar/{r.json()['token']}.ics"
    resp = feed(t, path)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/calendar")
    assert b"\r\n" in resp.content
    e = events(resp)[a["id"]]
    assert e.decoded("DTSTART") == at(2)
    assert e.decoded("DTEND") == at(2) + datetime.timedelta(minutes=30)
    assert str(e["SUMMARY"]) == "Appointment A.L."
    assert "Lovelace" not in resp.text
    assert "Room 2" in str(e["LOCATION"])
    assert int(e["SEQUENCE"]) == 0
    assert str(e["STATUS"]) == "CONFIRMED"


def test_feed_lines_keep_within_75_octets_and_hold_no_control_characters(t):
    # "LOCATION:R, " is 12 octets, so 4-byte characters start at octets 72, 76, ...: a fold
    # only at 74 or more let a line reach 76 octets (RFC 5545 3.1: 75 at most); a control
    # character (not allowed in a TEXT value) went out as it was
    location = "\U0001fa7a" * 40 + " back\u0007door\u000bway"
    r = t.request("receptionist", "POST", "/api/v1/appointments",
                  json={"patient_id": t.patient, "practitioner_id": t.users["practitioner"],
                        "appointment_time": at(6).isoformat(), "duration_minutes": 30,
                        "room": "R", "location": location})
    assert r.status_code == 201, r.text
    resp = feed(t, rotate(t).json()["path"])
    assert resp.status_code == 200
    lines = resp.content.split(b"\r\n")
    assert lines[-1] == b""
    for line in lines:
        assert len(line) <= 75, line
        assert all(b >= 0x20 and b != 0x7f or b == 0x09 for b in line), line
    e = events(resp)[r.json()["id"]]
    assert str(e["LOCATION"]) == "R, " + "\U0001fa7a" * 40 + " backdoorway"


def test_changes_keep_the_uid_and_bump_the_sequence(t):
    a = book(t, at(3))
    path = rotate(t).json()["path"]
    first = feed(t, path)
    etag = first.headers["ETag"]
    assert feed(t, path, headers={"If-None-Match": etag}).status_code == 304
    r = t.request("receptionist", "PATCH", f"/api/v1/appointments/{a['id']}",
                  headers={"If-Match": '"1"'}, json={"appointment_time": at(4).isoformat()})
    assert r.status_code == 200, r.text
    second = feed(t, path, headers={"If-None-Match": etag})
    assert second.status_code == 200 and second.headers["ETag"] != etag
    e = events(second)[a["id"]]
    assert int(e["SEQUENCE"]) == 1 and e.decoded("DTSTART") == at(4)
    r = t.request("receptionist", "PATCH", f"/api/v1/appointments/{a['id']}",
                  headers={"If-Match": '"2"'}, json={"status": "cancelled"})
    assert r.status_code == 200, r.text
    e = events(feed(t, path))[a["id"]]
    assert str(e["STATUS"]) == "CANCELLED" and int(e["SEQUENCE"]) == 2


def test_full_names_only_when_the_tenant_opts_in(t, pg):
    book(t, at(5))
    path = rotate(t).json()["path"]
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"calendar_full_names\": true}}'"
           f" WHERE id = '{t.id}'")
    try:
        assert "Ada Lovelace" in feed(t, path).text
    finally:
        pg.sql(f"UPDATE tenants SET settings = settings - 'calendar_full_names'"
               f" WHERE id = '{t.id}'")


def test_rotating_revokes_the_old_url_and_stores_only_a_hash(t, pg):
    old = rotate(t).json()
    new = rotate(t).json()
    assert_problem(feed(t, old["path"]), 404)
    assert feed(t, new["path"]).status_code == 200
    stored = pg.sql("SELECT token_hash = sha256(convert_to(%s, 'UTF8')) FROM"
                    " clinic_calendar_tokens WHERE revoked_at IS NULL"
                    f" AND practitioner_id = '{t.users['practitioner']}'"
                    % ("'" + new["token"] + "'"))
    assert stored == [["t"]], stored


def test_bad_and_foreign_tokens_are_404(t, server):
    other = Tenant(server, "cal-b")
    other.request("admin", "PUT", "/api/v1/modules/clinic", json={"enabled": True})
    mine = rotate(t).json()["token"]
    theirs = rotate(other).json()["token"]
    secret = theirs.split(".", 1)[1]
    for token in (f"{t.id}.{secret}", "x.y", "nonsense", f"{t.id}.", mine + "x",
                  mine[:-1] + ("A" if mine[-1] != "A" else "B")):
        assert_problem(feed(t, f"/api/v1/calendar/{token}.ics"), 404)
    assert_problem(feed(t, f"/api/v1/calendar/{mine}"), 404)  # .ics is part of the URL


def test_who_may_rotate(t):
    assert_problem(rotate(t, "practitioner", t.users["receptionist"]), 403)
    assert_problem(rotate(t, "receptionist", t.users["receptionist"]), 404)
    assert_problem(rotate(t, "receptionist", "00000000-0000-0000-0000-000000000000"), 404)
    assert_problem(rotate(t, "receptionist", "not-a-uuid"), 404)
    for role in ("sales", "viewer"):
        assert_problem(rotate(t, role), 403)
    assert rotate(t, "receptionist").status_code == 201
    r = t.server.request("POST", f"/api/v1/practitioners/{t.users['practitioner']}/calendar-token")
    assert_problem(r, 401)


def test_a_feed_dies_with_its_practitioner_or_tenant_and_each_read_is_audited(server, pg):
    from crmtest import platform
    t = Tenant(server, "cal-owner")
    t.request("admin", "PUT", "/api/v1/modules/clinic", json={"enabled": True})
    t.patient = t.request("receptionist", "POST", "/api/v1/contacts", json={
        "type": "patient", "first_name": "Feed", "last_name": "Reader"}).json()["id"]
    book(t, at(2))
    book(t, at(3))
    path = rotate(t).json()["path"]
    assert server.get(path).status_code == 200
    assert server.get(path).status_code == 200
    rows = pg.sql("SELECT entity_id, changes::text, actor_id FROM audit_log"
                  f" WHERE tenant_id = '{t.id}' AND entity_type = 'calendar_feed' ORDER BY id")
    assert [r[0] for r in rows] == [t.users["practitioner"]] * 2
    assert rows[0][1] == '{"appointments": 2}' and rows[0][2] == ""
    pid = t.users["practitioner"]

    def set_user(**change):
        etag = t.request("admin", "GET", f"/api/v1/users/{pid}").headers["ETag"]
        r = t.request("admin", "PATCH", f"/api/v1/users/{pid}", headers={"If-Match": etag},
                      json=change)
        assert r.status_code in (200, 204), r.text

    # no longer a practitioner; then a practitioner again
    set_user(is_practitioner=False)
    assert_problem(server.get(path), 404)
    set_user(is_practitioner=True)
    assert server.get(path).status_code == 200
    # disabled; then enabled again
    set_user(active=False)
    assert_problem(server.get(path), 404)
    set_user(active=True)
    assert server.get(path).status_code == 200
    # the tenant suspended
    assert platform(server, "PATCH", f"/platform/v1/tenants/{t.id}",
                    json={"status": "suspended"}).status_code == 200
    assert_problem(server.get(path), 404)
    assert platform(server, "PATCH", f"/platform/v1/tenants/{t.id}",
                    json={"status": "active"}).status_code == 200
    assert server.get(path).status_code == 200
    # only the feeds that were served are on record
    rows = pg.sql("SELECT count(*) FROM audit_log"
                  f" WHERE tenant_id = '{t.id}' AND entity_type = 'calendar_feed'")
    assert rows == [["5"]]
