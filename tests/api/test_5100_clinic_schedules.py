"""Working hours, exceptions and availability: DST-correct (Europe/London, end of October),
appointments and time off subtracted, booking outside hours refused unless overbooked."""
import uuid

import pytest

from crmtest import Tenant, assert_problem

pytestmark = pytest.mark.clinic


@pytest.fixture(scope="module")
def t(server):
    t = Tenant(server, "sched-a")  # the tenant's time zone is Europe/London
    t.request("admin", "PUT", "/api/v1/modules/clinic", json={"enabled": True})
    t.doc = t.users["practitioner"]
    t.patient = t.request("receptionist", "POST", "/api/v1/contacts",
                          json={"type": "patient", "last_name": "Sched"}).json()["id"]
    week = [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(1, 8)]
    week += [{"weekday": d, "start": "13:00", "end": "15:00"} for d in range(1, 6)]
    r = t.request("receptionist", "PUT", f"/api/v1/practitioners/{t.doc}/schedule",
                  json={"weekly": week})
    assert r.status_code == 200, r.text
    return t


def book(t, at, minutes=30):
    return t.request("receptionist", "POST", "/api/v1/appointments",
                     json={"patient_id": t.patient, "practitioner_id": t.doc,
                           "appointment_time": at, "duration_minutes": minutes})


def slots(t, frm, to, minutes=60):
    r = t.request("viewer", "GET", "/api/v1/availability",
                  params={"practitioner_id": t.doc, "from": frm, "to": to,
                          "duration_minutes": str(minutes)})
    assert r.status_code == 200, r.text
    return [(s["start"], s["end"]) for s in r.json()["slots"]]


def test_schedule_round_trips(t):
    got = t.request("viewer", "GET", f"/api/v1/practitioners/{t.doc}/schedule").json()
    assert got["practitioner_id"] == t.doc
    assert {"weekday": 1, "start": "13:00", "end": "15:00"} in got["weekly"]
    assert len(got["weekly"]) == 12


def test_availability_across_the_dst_change(t):
    # 2027-10-31 is the last Sunday of October: London goes from +01:00 to +00:00
    s = slots(t, "2027-10-30T00:00:00+01:00", "2027-11-02T00:00:00+00:00", 180)
    assert ("2027-10-30T09:00:00+01:00", "2027-10-30T12:00:00+01:00") in s
    assert ("2027-10-31T09:00:00+00:00", "2027-10-31T12:00:00+00:00") in s
    assert ("2027-11-01T09:00:00+00:00", "2027-11-01T12:00:00+00:00") in s
    assert len(s) == 3  # weekday afternoons are 2 h: no 3 h slot


def test_appointments_and_time_off_are_subtracted(t):
    day = ("2027-11-02T00:00:00+00:00", "2027-11-03T00:00:00+00:00")  # a Tuesday
    assert len(slots(t, *day)) == 5  # 09-12 three, 13-15 two
    r = t.request("receptionist", "POST", "/api/v1/appointments",
                  json={"patient_id": t.patient, "practitioner_id": t.doc,
                        "appointment_time": "2027-11-02T10:00:00+00:00", "duration_minutes": 60})
    assert r.status_code == 201, r.text
    assert ("2027-11-02T10:00:00+00:00", "2027-11-02T11:00:00+00:00") not in slots(t, *day)
    r = t.request("receptionist", "POST", f"/api/v1/practitioners/{t.doc}/schedule/exceptions",
                  json={"date": "2027-11-02", "kind": "off", "start": "13:00", "end": "15:00",
                        "reason": "training"})
    assert r.status_code == 201, r.text
    assert [x[0] for x in slots(t, *day)] == ["2027-11-02T09:00:00+00:00",
                                              "2027-11-02T11:00:00+00:00"]
    ex = t.request("viewer", "GET", f"/api/v1/practitioners/{t.doc}/schedule/exceptions").json()
    assert ex["data"][0]["reason"] == "training"
    assert t.request("receptionist", "DELETE", f"/api/v1/practitioners/{t.doc}/schedule/"
                     f"exceptions/{r.json()['id']}").status_code == 204
    assert len(slots(t, *day)) == 4
    # a whole day off, and extra hours on a Sunday evening
    t.request("receptionist", "POST", f"/api/v1/practitioners/{t.doc}/schedule/exceptions",
              json={"date": "2027-11-03", "kind": "off"})
    assert slots(t, "2027-11-03T00:00:00+00:00", "2027-11-04T00:00:00+00:00") == []
    t.request("receptionist", "POST", f"/api/v1/practitioners/{t.doc}/schedule/exceptions",
              json={"date": "2027-11-07", "kind": "extra", "start": "18:00", "end": "19:00"})
    assert ("2027-11-07T18:00:00+00:00", "2027-11-07T19:00:00+00:00") in slots(
        t, "2027-11-07T00:00:00+00:00", "2027-11-08T00:00:00+00:00")


def test_booking_outside_working_hours_needs_an_overbook(t):
    body = {"patient_id": t.patient, "practitioner_id": t.doc,
            "appointment_time": "2027-11-09T20:00:00+00:00", "duration_minutes": 30}
    r = t.request("receptionist", "POST", "/api/v1/appointments", json=body)
    assert_problem(r, 422, field="appointment_time")
    r = t.request("receptionist", "POST", "/api/v1/appointments",
                  json=body | {"overbook": True, "overbook_reason": "evening emergency"})
    assert r.status_code == 201, r.text


def test_booking_inside_hours_around_time_off_extra_hours_and_dst(t):
    """Most bookings are answered by one shift holding them; time off near the day, hours
    joined by extra time and the DST days take the full working-time computation."""
    def exception(body):
        r = t.request("receptionist", "POST",
                      f"/api/v1/practitioners/{t.doc}/schedule/exceptions", json=body)
        assert r.status_code == 201, r.text

    exception({"date": "2027-11-16", "kind": "off", "start": "10:00", "end": "11:00"})
    assert book(t, "2027-11-16T09:00:00+00:00").status_code == 201  # the shift, before time off
    assert_problem(book(t, "2027-11-16T10:00:00+00:00"), 422, field="appointment_time")
    assert_problem(book(t, "2027-11-16T10:45:00+00:00"), 422, field="appointment_time")
    exception({"date": "2027-11-22", "kind": "off"})  # the day before: the next is untouched
    assert book(t, "2027-11-23T09:00:00+00:00").status_code == 201
    assert_problem(book(t, "2027-11-22T09:00:00+00:00"), 422, field="appointment_time")
    # two shifts joined by extra hours hold an appointment no single shift holds
    assert_problem(book(t, "2027-11-18T11:30:00+00:00", 60), 422, field="appointment_time")
    exception({"date": "2027-11-17", "kind": "extra", "start": "12:00", "end": "13:00"})
    assert book(t, "2027-11-17T11:30:00+00:00", 120).status_code == 201
    # the shift is local time on both DST days (London: 31 Oct 2027, 26 Mar 2028)
    assert book(t, "2027-10-31T09:00:00+00:00").status_code == 201
    assert_problem(book(t, "2027-10-31T08:30:00+00:00"), 422, field="appointment_time")
    assert book(t, "2028-03-26T09:00:00+01:00").status_code == 201
    assert_problem(book(t, "2028-03-26T08:30:00+01:00"), 422, field="appointment_time")
    assert_problem(book(t, "2028-03-26T11:45:00+01:00"), 422, field="appointment_time")


def test_rescheduling_outside_working_hours_needs_an_overbook(t, pg):
    r = book(t, "2027-11-10T09:00:00+00:00")
    assert r.status_code == 201, r.text
    url = f"/api/v1/appointments/{r.json()['id']}"
    for change in ({"appointment_time": "2027-11-10T12:30:00+00:00"},  # the lunch break
                   {"duration_minutes": 240}):  # runs past noon
        r = t.request("receptionist", "PATCH", url, headers={"If-Match": '"1"'}, json=change)
        assert_problem(r, 422, field="appointment_time")
    assert pg.sql(f"SELECT version, starts_at AT TIME ZONE 'UTC' FROM clinic_appointments"
                  f" WHERE id = '{url.rsplit('/', 1)[1]}'") == [["1", "2027-11-10 09:00:00"]]
    r = t.request("receptionist", "PATCH", url, headers={"If-Match": '"1"'},
                  json={"appointment_time": "2027-11-10T13:00:00+00:00"})
    assert r.status_code == 200, r.text
    r = t.request("receptionist", "PATCH", url, headers={"If-Match": '"2"'},
                  json={"appointment_time": "2027-11-10T12:30:00+00:00", "overbook": True,
                        "overbook_reason": "fits before lunch ends"})
    assert r.status_code == 200 and r.json()["overbooked"] is True, r.text
    r = t.request("receptionist", "PATCH", url, headers={"If-Match": '"3"'},
                  json={"status": "cancelled"})  # no new time: no hours check
    assert r.status_code == 200, r.text


def test_a_refused_change_says_why_in_order_and_changes_nothing(t, pg):
    r = book(t, "2027-11-24T09:00:00+00:00")
    assert r.status_code == 201, r.text
    url = f"/api/v1/appointments/{r.json()['id']}"
    evening = {"status": "fulfilled", "appointment_time": "2027-11-24T20:00:00+00:00"}
    r = t.request("receptionist", "PATCH", url, headers={"If-Match": '"2"'}, json=evening)
    assert_problem(r, 412)  # a stale version first
    r = t.request("receptionist", "PATCH", url, headers={"If-Match": '"1"'}, json=evening)
    assert assert_problem(r, 409)["allowed"].startswith("arrived")  # then the status
    r = t.request("receptionist", "PATCH", url, headers={"If-Match": '"1"'},
                  json={"appointment_time": "2027-11-24T20:00:00+00:00"})
    assert_problem(r, 422, field="appointment_time")  # then the hours
    r = t.request("receptionist", "PATCH", url.rsplit("/", 1)[0] + "/" + str(uuid.uuid4()),
                  headers={"If-Match": '"1"'}, json={"status": "arrived"})
    assert_problem(r, 404)
    assert pg.sql(f"SELECT version, status, starts_at AT TIME ZONE 'UTC' FROM clinic_appointments"
                  f" WHERE id = '{url.rsplit('/', 1)[1]}'") == [["1", "booked",
                                                                "2027-11-24 09:00:00"]]


def test_bad_schedules_and_queries(t):
    url = f"/api/v1/practitioners/{t.doc}/schedule"
    for week, field in [([{"weekday": 8, "start": "09:00", "end": "10:00"}], "weekly[0]"),
                        ([{"weekday": 1, "start": "10:00", "end": "09:00"}], "weekly[0]"),
                        ([{"weekday": 1, "start": "9am", "end": "10:00"}], "weekly[0]"),
                        ([{"weekday": 1, "start": "09:00", "end": "11:00"},
                          {"weekday": 1, "start": "10:00", "end": "12:00"}], "weekly[1]")]:
        assert_problem(t.request("receptionist", "PUT", url, json={"weekly": week}), 422,
                       field=field)
    assert_problem(t.request("sales", "GET", url), 403)
    other_doc = t.request("admin", "POST", "/api/v1/users",
                          json={"email": "d2@sched-a.test", "full_name": "D Two",
                                "role": "practitioner", "is_practitioner": True,
                                "password": "correct-horse-battery-9"}).json()["id"]
    assert_problem(t.request("practitioner", "PUT", f"/api/v1/practitioners/{other_doc}/schedule",
                             json={"weekly": []}), 403)
    assert_problem(t.request("receptionist", "GET",
                             f"/api/v1/practitioners/{t.users['sales']}/schedule"), 404)
    base = {"practitioner_id": t.doc, "from": "2027-11-01T00:00:00+00:00",
            "to": "2027-11-02T00:00:00+00:00", "duration_minutes": "30"}
    for bad in [{"from": "2027-11-01"}, {"duration_minutes": "0"}, {"practitioner_id": "x"},
                {"to": "2027-10-01T00:00:00+00:00"}, {"to": "2028-01-01T00:00:00+00:00"}]:
        assert_problem(t.request("viewer", "GET", "/api/v1/availability", params=base | bad), 400)
    r = t.request("viewer", "GET", "/api/v1/availability",
                  params=base | {"practitioner_id": other_doc})
    assert_problem(r, 422, "no working hours")
