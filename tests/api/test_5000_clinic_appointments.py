"""The clinic module's appointments: booking, no double booking (database-enforced, also under
a 20-way race), overbooking, the status life cycle, notes per role, module off → 404, and
its part in the contact's timeline, merge and erasure."""
import concurrent.futures
import os
import subprocess
import uuid

import pytest
import requests

from crmtest import ROOT, Tenant, assert_problem

pytestmark = pytest.mark.clinic


@pytest.fixture(scope="module")
def clinic(server):
    t = Tenant(server, "clinic-a")
    assert t.request("admin", "PUT", "/api/v1/modules/clinic",
                     json={"enabled": True}).status_code == 200
    t.patient = t.request("receptionist", "POST", "/api/v1/contacts",
                          json={"type": "patient", "last_name": "Patient"}).json()["id"]
    t.doc = t.users["practitioner"]
    return t


def book(t, role="receptionist", **over):
    body = {"patient_id": t.patient, "practitioner_id": t.doc,
            "appointment_time": "2027-03-01T09:00:00+00:00", "duration_minutes": 30} | over
    return t.request(role, "POST", "/api/v1/appointments", json=body)


def test_book_and_read(clinic, pg):
    r = book(clinic, appointment_time="2027-03-01T09:00:00+01:00", room="R1",
             appointment_type="consultation", notes="private")
    assert_problem(r, 403, "clinical notes")  # receptionists never write notes
    r = book(clinic, appointment_time="2027-03-01T09:00:00+01:00", room="R1",
             appointment_type="consultation")
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["status"] == "booked" and a["duration_minutes"] == 30
    assert a["practitioner_name"] == "Practitioner User"
    assert a["appointment_time"].startswith("2027-03-01T08:00:00")
    assert a["end_time"].startswith("2027-03-01T08:30:00")
    assert "notes" not in a
    got = clinic.request("viewer", "GET", f"/api/v1/appointments/{a['id']}")
    assert got.status_code == 200 and got.json()["id"] == a["id"]


def test_booking_a_lead_makes_a_patient(clinic, pg):
    lead = clinic.request("receptionist", "POST", "/api/v1/contacts",
                          json={"type": "lead", "last_name": "Soon Patient"}).json()["id"]
    taken = book(clinic, appointment_time="2027-03-02T12:00:00+00:00")
    assert taken.status_code == 201, taken.text
    r = book(clinic, patient_id=lead, appointment_time="2027-03-02T12:00:00+00:00")
    assert_problem(r, 409)  # a refused booking leaves a lead a lead
    assert pg.sql(f"SELECT type, version FROM contacts WHERE id = '{lead}'") == [["lead", "1"]]
    r = book(clinic, patient_id=lead, appointment_time="2027-03-02T10:00:00+00:00")
    assert r.status_code == 201, r.text
    assert pg.sql(f"SELECT type, version FROM contacts WHERE id = '{lead}'") == [["patient", "2"]]
    changes = pg.sql(f"SELECT changes -> 'type' ->> 'before', changes -> 'type' ->> 'after'"
                     f" FROM audit_log WHERE entity_id = '{lead}' AND action = 'update'")
    assert changes == [["lead", "patient"]]
    r = book(clinic, patient_id=lead, appointment_time="2027-03-02T11:00:00+00:00")
    assert r.status_code == 201, r.text  # a patient already: unchanged
    assert pg.sql(f"SELECT version FROM contacts WHERE id = '{lead}'") == [["2"]]


def test_double_booking_is_refused_with_the_conflict(clinic):
    first = book(clinic, appointment_time="2027-03-03T10:00:00+00:00").json()
    r = book(clinic, appointment_time="2027-03-03T10:15:00+00:00")
    body = assert_problem(r, 409, "already booked")
    assert body["conflicting_appointment_id"] == first["id"]
    assert body["appointment_time"].startswith("2027-03-03 10:00:00")
    # back to back is fine
    assert book(clinic, appointment_time="2027-03-03T10:30:00+00:00").status_code == 201
    # the room is taken too, even with another practitioner
    other = clinic.request("admin", "POST", "/api/v1/users",
                           json={"email": "doc2@clinic-a.test", "full_name": "Doc Two",
                                 "role": "practitioner", "is_practitioner": True,
                                 "password": "correct-horse-battery-9"}).json()["id"]
    book(clinic, appointment_time="2027-03-04T10:00:00+00:00", room="R9")
    r = book(clinic, practitioner_id=other, appointment_time="2027-03-04T10:10:00+00:00",
             room="R9")
    assert_problem(r, 409)
    assert book(clinic, practitioner_id=other, appointment_time="2027-03-04T10:10:00+00:00",
                room="R8").status_code == 201


def test_twenty_concurrent_bookings_of_one_slot_give_exactly_one(clinic):
    def attempt(_):
        return requests.post(clinic.server.url("/api/v1/appointments"),
                             headers={"Authorization": f"Bearer {clinic.tokens['receptionist']}"},
                             json={"patient_id": clinic.patient, "practitioner_id": clinic.doc,
                                   "appointment_time": "2027-03-05T11:00:00+00:00",
                                   "duration_minutes": 20}, timeout=30).status_code

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(attempt, range(20)))
    assert codes.count(201) == 1, codes
    assert codes.count(409) == 19, codes


def test_overbooking_needs_the_permission_and_a_reason(clinic):
    book(clinic, appointment_time="2027-03-06T09:00:00+00:00")
    assert_problem(book(clinic, appointment_time="2027-03-06T09:00:00+00:00", overbook=True),
                   422, field="overbook_reason")
    r = book(clinic, role="practitioner", appointment_time="2027-03-06T09:00:00+00:00",
             overbook=True, overbook_reason="urgent")
    assert_problem(r, 403, "overbook")
    r = book(clinic, appointment_time="2027-03-06T09:00:00+00:00", overbook=True,
             overbook_reason="urgent case")
    assert r.status_code == 201 and r.json()["overbooked"] is True


def test_status_life_cycle(clinic, pg):
    a = book(clinic, appointment_time="2027-03-08T09:00:00+00:00").json()
    url = f"/api/v1/appointments/{a['id']}"
    version = 1
    for status in ["arrived", "checked-in", "fulfilled"]:
        r = clinic.request("receptionist", "PATCH", url, headers={"If-Match": f'"{version}"'},
                           json={"status": status})
        assert r.status_code == 200, r.text
        version = r.json()["version"]
    r = clinic.request("receptionist", "PATCH", url, headers={"If-Match": f'"{version}"'},
                       json={"status": "booked"})
    body = assert_problem(r, 409, "allowed: entered-in-error")
    assert body["allowed"] == "entered-in-error"
    history = pg.sql(f"SELECT from_status, to_status FROM clinic_appointment_history"
                     f" WHERE appointment_id = '{a['id']}' ORDER BY changed_at")
    assert [h[1] for h in history] == ["booked", "arrived", "checked-in", "fulfilled"]
    b = book(clinic, appointment_time="2027-03-08T11:00:00+00:00").json()
    r = clinic.request("receptionist", "PATCH", f"/api/v1/appointments/{b['id']}",
                       headers={"If-Match": '"1"'}, json={"status": "waitlist"})
    assert_problem(r, 409)
    r = clinic.request("receptionist", "PATCH", f"/api/v1/appointments/{b['id']}",
                       headers={"If-Match": '"1"'},
                       json={"status": "cancelled", "cancel_reason": "patient called"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    # a cancelled slot is free again
    assert book(clinic, appointment_time="2027-03-08T11:00:00+00:00").status_code == 201


def test_reschedule_keeps_history_and_checks_clashes(clinic, pg):
    a = book(clinic, appointment_time="2027-03-09T09:00:00+00:00").json()
    noon = book(clinic, appointment_time="2027-03-09T12:00:00+00:00").json()
    url = f"/api/v1/appointments/{a['id']}"
    r = clinic.request("receptionist", "PATCH", url, headers={"If-Match": '"1"'},
                       json={"appointment_time": "2027-03-09T12:10:00+00:00"})
    body = assert_problem(r, 409)
    assert body["conflicting_appointment_id"] == noon["id"]
    assert body["appointment_time"].startswith("2027-03-09 12:00")
    r = clinic.request("receptionist", "PATCH", url, headers={"If-Match": '"1"'},
                       json={"appointment_time": "2027-03-09T14:00:00+00:00",
                             "duration_minutes": 45})
    assert r.status_code == 200 and r.json()["end_time"].startswith("2027-03-09T14:45")
    times = pg.sql(f"SELECT from_starts_at IS NULL FROM clinic_appointment_history"
                   f" WHERE appointment_id = '{a['id']}' ORDER BY changed_at")
    assert times == [["t"], ["f"]]


def test_the_viewer_sees_the_schedule_without_patients(clinic):
    a = book(clinic, appointment_time="2027-03-11T15:00:00+00:00").json()
    url = f"/api/v1/appointments/{a['id']}"
    for role in ["admin", "practitioner", "receptionist"]:
        assert clinic.request(role, "GET", url).json()["patient_id"] == a["patient_id"]
    seen = clinic.request("viewer", "GET", url).json()
    assert "patient_id" not in seen and seen["practitioner_name"] == "Practitioner User"
    listed = clinic.request("viewer", "GET", "/api/v1/appointments",
                            params={"practitioner_id": clinic.doc, "limit": "200"}).json()
    assert listed["data"] and all("patient_id" not in x for x in listed["data"])
    r = clinic.request("viewer", "GET", "/api/v1/appointments",
                       params={"patient_id": a["patient_id"]})
    assert_problem(r, 403, "patient")
    timeline = clinic.request("viewer", "GET",
                              f"/api/v1/contacts/{a['patient_id']}/timeline").json()["data"]
    assert not any(e["kind"] == "appointment" for e in timeline)


def test_notes_per_role(clinic):
    a = book(clinic, role="practitioner", appointment_time="2027-03-10T09:00:00+00:00",
             notes="BP 120/80").json()
    assert a["notes"] == "BP 120/80"
    url = f"/api/v1/appointments/{a['id']}"
    assert clinic.request("practitioner", "GET", url).json()["notes"] == "BP 120/80"
    assert clinic.request("admin", "GET", url).json()["notes"] == "BP 120/80"
    for role in ["receptionist", "viewer"]:
        assert "notes" not in clinic.request(role, "GET", url).json()
    assert_problem(clinic.request("sales", "GET", url), 403)
    # a practitioner does not see or change another practitioner's appointments' notes
    other_doc = clinic.request("admin", "GET", "/api/v1/users", params={"limit": "200"}).json()
    docs = [u["id"] for u in other_doc["data"] if u["is_practitioner"] and u["id"] != clinic.doc]
    if docs:
        b = book(clinic, practitioner_id=docs[0], appointment_time="2027-03-10T11:00:00+00:00")
        assert b.status_code == 201, b.text
        r = clinic.request("practitioner", "PATCH", f"/api/v1/appointments/{b.json()['id']}",
                           headers={"If-Match": '"1"'}, json={"status": "cancelled"})
        assert_problem(r, 403, "their own")


def test_bad_input_and_other_tenants(clinic, server):
    for over, field in [({"appointment_time": "2027-03-01T09:00:00"}, "appointment_time"),
                        ({"appointment_time": "2027-03-01T09:00:00+01:60"}, "appointment_time"),
                        ({"appointment_time": "2027-03-01T09:00:00+16:00"}, "appointment_time"),
                        ({"duration_minutes": 0}, "duration_minutes"),
                        ({"duration_minutes": 100000}, "duration_minutes"),
                        ({"status": "done"}, "status"), ({"status": "fulfilled"}, "status"),
                        ({"practitioner_id": clinic.users["sales"]}, "practitioner_id"),
                        ({"patient_id": str(uuid.uuid4())}, "patient_id")]:
        assert_problem(book(clinic, **over), 422, field=field)
    other = Tenant(server, "clinic-b")
    other.request("admin", "PUT", "/api/v1/modules/clinic", json={"enabled": True})
    theirs = other.request("receptionist", "POST", "/api/v1/contacts",
                           json={"type": "patient", "last_name": "Theirs"}).json()["id"]
    assert_problem(book(clinic, patient_id=theirs), 422, field="patient_id")
    assert_problem(book(clinic, practitioner_id=other.users["practitioner"]), 422,
                   field="practitioner_id")
    mine = book(clinic, appointment_time="2027-03-11T09:00:00+00:00").json()
    assert_problem(other.request("admin", "GET", f"/api/v1/appointments/{mine['id']}"), 404)
    r = other.request("admin", "PATCH", f"/api/v1/appointments/{mine['id']}",
                      headers={"If-Match": '"1"'}, json={"status": "cancelled"})
    assert_problem(r, 404)
    assert clinic.request("admin", "GET", f"/api/v1/appointments/{mine['id']}").json()[
        "status"] == "booked"


def test_module_off_means_404(server):
    t = Tenant(server, "clinic-off")
    assert_problem(t.request("receptionist", "GET", "/api/v1/appointments"), 404)
    assert "clinic.appointments.read" not in t.request("receptionist", "GET",
                                                       "/api/v1/me").json()["permissions"]


def test_timeline_merge_and_erasure(clinic, pg):
    p = clinic.request("receptionist", "POST", "/api/v1/contacts",
                       json={"type": "patient", "last_name": "Hooked"}).json()["id"]
    dup = clinic.request("receptionist", "POST", "/api/v1/contacts",
                         json={"type": "patient", "last_name": "Hooked Twin"}).json()["id"]
    a = book(clinic, patient_id=dup, appointment_time="2027-03-12T09:00:00+00:00").json()
    r = clinic.request("receptionist", "POST", f"/api/v1/contacts/{p}/merge",
                       json={"source_id": dup})
    assert r.status_code == 200, r.text
    assert pg.sql(f"SELECT patient_id FROM clinic_appointments WHERE id = '{a['id']}'") == [[p]]
    timeline = clinic.request("receptionist", "GET",
                              f"/api/v1/contacts/{p}/timeline").json()["data"]
    assert any(e["kind"] == "appointment" and e["id"] == a["id"] for e in timeline)
    r = clinic.request("admin", "POST", f"/api/v1/contacts/{p}/erase")
    assert_problem(r, 409, "medical records")


def test_no_file_outside_the_clinic_folder_names_appointments():
    out = subprocess.run(["grep", "-rli", "appointment", os.path.join(ROOT, "src"),
                          os.path.join(ROOT, "db")], capture_output=True, text=True)
    offenders = [f for f in out.stdout.split() if "/src/modules/clinic/" not in f]
    assert offenders == [], offenders


def test_the_audit_api_shows_clinical_notes_only_to_who_may_read_them(clinic):
    r = book(clinic, role="practitioner", appointment_time="2027-03-11T14:00:00+00:00",
             notes="Suspected fracture")
    assert r.status_code == 201, r.text
    a = r.json()
    url = f"/api/v1/appointments/{a['id']}"
    etag = clinic.request("practitioner", "GET", url).headers["ETag"]
    r = clinic.request("practitioner", "PATCH", url, headers={"If-Match": etag},
                       json={"notes": "Fracture confirmed"})
    assert r.status_code == 200, r.text
    params = {"entity_type": "clinic_appointments", "entity_id": a["id"]}

    def changes(role):
        entries = clinic.request(role, "GET", "/api/v1/audit", params=params).json()["data"]
        update = [e for e in entries if e["action"] == "update"]
        assert len(update) == 1, entries
        return update[0]["changes"]["notes"]

    # the Auditor reads the log but not clinical notes
    assert changes("auditor") == {"before": "[clinical]", "after": "[clinical]"}
    assert changes("admin") == {"before": "Suspected fracture", "after": "Fracture confirmed"}
    # the export too, for the Auditor; the log itself keeps the values
    r = clinic.request("auditor", "GET", "/api/v1/audit/export", params=params)
    assert r.status_code == 200 and "fracture" not in r.text.lower()
    assert "[clinical]" in r.text
    r = clinic.request("admin", "GET", "/api/v1/audit/export", params=params)
    assert "Fracture confirmed" in r.text
