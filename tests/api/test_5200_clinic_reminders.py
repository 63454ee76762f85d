"""Reminders queued in the outbox: on booking, moved on rescheduling, dropped on cancelling,
only with consent; and the outbox's state machine."""
import datetime

import pytest

from crmtest import Tenant

pytestmark = pytest.mark.clinic


def at(days, hour=10):
    d = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return d.replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


@pytest.fixture(scope="module")
def t(server):
    t = Tenant(server, "remind-a")
    t.request("admin", "PUT", "/api/v1/modules/clinic", json={"enabled": True})
    t.consenting = t.request("receptionist", "POST", "/api/v1/contacts", json={
        "type": "patient", "last_name": "Yes", "phone": "+44 7700 900123",
        "email": "yes@x.example", "consent": {"sms_reminders": True, "email_reminders": False}
    }).json()["id"]
    t.silent = t.request("receptionist", "POST", "/api/v1/contacts", json={
        "type": "patient", "last_name": "No", "phone": "+44 7700 900124",
        "consent": {"sms_reminders": False}}).json()["id"]
    return t


def book(t, patient, when):
    r = t.request("receptionist", "POST", "/api/v1/appointments",
                  json={"patient_id": patient, "practitioner_id": t.users["practitioner"],
                        "appointment_time": when, "duration_minutes": 30})
    assert r.status_code == 201, r.text
    return r.json()


def queued(pg, appointment):
    return pg.sql(f"SELECT channel, state, to_char(send_at AT TIME ZONE 'UTC', 'DD HH24:MI'),"
                  f" payload->>'to' FROM outbox WHERE subject_id = '{appointment}'"
                  " AND topic = 'appointment.reminder'"
                  " ORDER BY send_at, state")


def test_booking_queues_reminders_with_consent_only(t, pg):
    a = book(t, t.consenting, at(3))
    rows = [r for r in queued(pg, a["id"]) if r[1] == "queued"]
    assert [(r[0], r[3]) for r in rows] == [("sms", "+447700900123")] * 2
    assert queued(pg, book(t, t.silent, at(3, 12))["id"]) == []


def test_reschedule_moves_and_cancel_drops_them(t, pg):
    a = book(t, t.consenting, at(4))
    r = t.request("receptionist", "PATCH", f"/api/v1/appointments/{a['id']}",
                  headers={"If-Match": '"1"'}, json={"appointment_time": at(5)})
    assert r.status_code == 200, r.text
    rows = queued(pg, a["id"])
    assert [x[1] for x in rows].count("cancelled") == 2 and [x[1] for x in rows].count("queued") == 2
    r = t.request("receptionist", "PATCH", f"/api/v1/appointments/{a['id']}",
                  headers={"If-Match": '"2"'}, json={"status": "cancelled"})
    assert r.status_code == 200
    assert {x[1] for x in queued(pg, a["id"])} == {"cancelled"}


def test_reminders_already_due_are_not_queued(t, pg):
    soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=3)).isoformat()
    a = book(t, t.consenting, soon)
    rows = queued(pg, a["id"])
    assert len(rows) == 1  # the 2 h reminder only; the 24 h one is in the past


def test_outbox_state_machine(t, pg):
    a = book(t, t.consenting, at(6))
    msg = pg.sql(f"SELECT id FROM outbox WHERE subject_id = '{a['id']}'"
                 " AND topic = 'appointment.reminder' LIMIT 1")[0][0]
    setting = f"SELECT set_config('app.tenant_id', '{t.id}', true);"

    def move(state):
        return pg.sql(f"BEGIN; {setting} UPDATE outbox SET state = '{state}' WHERE id = '{msg}';"
                      " COMMIT;", user="crm")

    with pytest.raises(RuntimeError, match="cannot go from queued to sent"):
        move("sent")
    move("sending")
    move("failed")
    move("queued")
    move("sending")
    move("sent")
    assert pg.sql(f"SELECT state, attempts FROM outbox WHERE id = '{msg}'") == [["sent", "2"]]
    with pytest.raises(RuntimeError, match="cannot go from sent"):
        move("queued")


def test_reminders_expire_when_their_appointment_starts(t, pg):
    a = book(t, t.consenting, at(7, 14))
    rows = pg.sql(f"SELECT not_after = a.starts_at, urgent FROM outbox o JOIN clinic_appointments a"
                  f" ON a.tenant_id = o.tenant_id AND a.id = o.subject_id"
                  f" WHERE o.subject_id = '{a['id']}' AND o.state = 'queued'"
                  " AND o.topic = 'appointment.reminder'")
    assert rows == [["t", "f"], ["t", "f"]]
