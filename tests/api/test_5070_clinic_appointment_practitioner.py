"""Moving an appointment to another practitioner (PATCH practitioner_id, the diary's drag across
columns): the new practitioner's clashes and working hours apply as at booking, the
denormalised name follows, the audit log records it, practitioners may not hand appointments
over; and the appointment carries its patient's name for roles that may see the patient."""
import pytest

from crmtest import Tenant, assert_problem

pytestmark = pytest.mark.clinic


@pytest.fixture(scope="module")
def clinic(server):
    t = Tenant(server, "clinic-move")
    assert t.request("admin", "PUT", "/api/v1/modules/clinic",
                     json={"enabled": True}).status_code == 200
    t.patient = t.request("receptionist", "POST", "/api/v1/contacts",
                          json={"type": "patient", "first_name": "Ada",
                                "last_name": "Lovelace"}).json()["id"]
    t.doc = t.users["practitioner"]
    r = t.request("admin", "POST", "/api/v1/users",
                  json={"email": "doc2@clinic-move.test", "full_name": "Doc Two",
                        "role": "practitioner", "password": "correct-horse-battery-9",
                        "is_practitioner": True})
    assert r.status_code == 201, r.text
    t.doc2 = r.json()["id"]
    # Doc Two works 09:00-12:00 London on Mondays only
    r = t.request("admin", "PUT", f"/api/v1/practitioners/{t.doc2}/schedule",
                  json={"weekly": [{"weekday": 1, "start": "09:00", "end": "12:00"}]})
    assert r.status_code == 200, r.text
    return t


def book(t, role="receptionist", **over):
    body = {"patient_id": t.patient, "practitioner_id": t.doc,
            "appointment_time": "2027-04-05T09:00:00+01:00", "duration_minutes": 30} | over
    r = t.request(role, "POST", "/api/v1/appointments", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def move(t, a, role="receptionist", version=None, **body):
    return t.request(role, "PATCH", f"/api/v1/appointments/{a['id']}",
                     headers={"If-Match": f'"{version or a["version"]}"'}, json=body)


def test_move_to_another_practitioner(clinic, pg):
    a = book(clinic, appointment_time="2027-04-05T10:00:00+01:00")  # a Monday
    r = move(clinic, a, practitioner_id=clinic.doc2, appointment_time="2027-04-05T10:30:00+01:00")
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["practitioner_id"] == clinic.doc2 and got["practitioner_name"] == "Doc Two"
    assert got["appointment_time"].startswith("2027-04-05T09:30:00")
    assert got["version"] == a["version"] + 1
    assert r.headers["ETag"] == f'"{got["version"]}"'
    row = pg.sql(f"SELECT practitioner_id, practitioner_name FROM clinic_appointments"
                 f" WHERE id = '{a['id']}'")
    assert row == [[clinic.doc2, "Doc Two"]]
    audit = pg.sql(f"SELECT changes -> 'practitioner_id' ->> 'before',"
                   f" changes -> 'practitioner_id' ->> 'after' FROM audit_log"
                   f" WHERE entity_id = '{a['id']}' AND action = 'update'")
    assert audit == [[clinic.doc, clinic.doc2]]


def test_the_new_practitioners_clashes_and_hours_apply(clinic, pg):
    theirs = book(clinic, practitioner_id=clinic.doc2,
                  appointment_time="2027-04-12T09:00:00+01:00")
    a = book(clinic, appointment_time="2027-04-12T09:00:00+01:00")
    body = assert_problem(move(clinic, a, practitioner_id=clinic.doc2), 409, "already booked")
    assert body["conflicting_appointment_id"] == theirs["id"]
    # 13:00 is inside the first practitioner's (open) hours but outside Doc Two's
    b = book(clinic, appointment_time="2027-04-12T13:00:00+01:00")
    assert_problem(move(clinic, b, practitioner_id=clinic.doc2), 422, "not valid",
                   field="appointment_time")
    # Tuesday: Doc Two does not work at all
    c = book(clinic, appointment_time="2027-04-13T10:00:00+01:00")
    assert_problem(move(clinic, c, practitioner_id=clinic.doc2), 422, field="appointment_time")
    # the receptionist holds clinic.overbook: overbooking with a reason moves it anyway
    r = move(clinic, c, practitioner_id=clinic.doc2, overbook=True,
             overbook_reason="covering for a colleague")
    assert r.status_code == 200, r.text
    assert r.json()["overbooked"] is True and r.json()["practitioner_id"] == clinic.doc2
    rows = pg.sql(f"SELECT practitioner_id FROM clinic_appointments"
                  f" WHERE id IN ('{a['id']}', '{b['id']}') ORDER BY starts_at")
    assert rows == [[clinic.doc], [clinic.doc]]


def test_unknown_or_inactive_practitioner_is_refused(clinic, pg):
    a = book(clinic, appointment_time="2027-04-19T09:00:00+01:00")
    for who in [clinic.users["receptionist"], "00000000-0000-4000-8000-000000000000"]:
        assert_problem(move(clinic, a, practitioner_id=who), 422, field="practitioner_id")
    assert_problem(move(clinic, a, practitioner_id="not-a-uuid"), 422, field="practitioner_id")
    assert_problem(move(clinic, a, patient_id=clinic.patient), 422, field="patient_id")
    # a stale version is still 412, before anything else
    assert_problem(move(clinic, a, version=a["version"] + 5, practitioner_id=clinic.doc2), 412)
    assert pg.sql(f"SELECT practitioner_id, version FROM clinic_appointments"
                  f" WHERE id = '{a['id']}'") == [[clinic.doc, str(a["version"])]]


def test_practitioners_do_not_hand_appointments_over(clinic, pg):
    mine = book(clinic, appointment_time="2027-04-26T09:00:00+01:00")
    assert_problem(move(clinic, mine, role="practitioner", practitioner_id=clinic.doc2), 403,
                   "their own")
    # naming themselves on another's appointment is no way in either
    theirs = book(clinic, practitioner_id=clinic.doc2,
                  appointment_time="2027-04-26T10:00:00+01:00")
    assert_problem(move(clinic, theirs, role="practitioner", practitioner_id=clinic.doc), 403,
                   "their own")
    # their own, to themselves, with a new time: allowed
    r = move(clinic, mine, role="practitioner", practitioner_id=clinic.doc,
             appointment_time="2027-04-26T11:00:00+01:00")
    assert r.status_code == 200, r.text
    assert pg.sql(f"SELECT practitioner_id FROM clinic_appointments"
                  f" WHERE id IN ('{mine['id']}', '{theirs['id']}') ORDER BY starts_at") == [
        [clinic.doc2], [clinic.doc]]


def test_the_patients_name_for_who_may_see_the_patient(clinic):
    a = book(clinic, appointment_time="2027-05-03T09:00:00+01:00")
    assert a["patient_name"] == "Ada Lovelace"
    for role in ["receptionist", "practitioner", "admin"]:
        got = clinic.request(role, "GET", f"/api/v1/appointments/{a['id']}").json()
        assert got["patient_name"] == "Ada Lovelace", role
    listed = clinic.request("receptionist", "GET", "/api/v1/appointments",
                            params={"from": "2027-05-03T00:00:00Z",
                                    "to": "2027-05-04T00:00:00Z"}).json()["data"]
    assert [x["patient_name"] for x in listed] == ["Ada Lovelace"]
    got = clinic.request("viewer", "GET", f"/api/v1/appointments/{a['id']}").json()
    assert "patient_name" not in got and "patient_id" not in got
    moved = move(clinic, a, practitioner_id=clinic.doc2).json()
    assert moved["patient_name"] == "Ada Lovelace"
