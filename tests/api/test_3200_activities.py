"""Activities: types, a deal of the same contact only, my open tasks and overdue, If-Match."""
import datetime
import uuid

import pytest

from crmtest import Tenant, assert_problem


def iso(delta_days):
    return (datetime.datetime.now(datetime.timezone.utc)
            + datetime.timedelta(days=delta_days)).isoformat()


@pytest.fixture(scope="module")
def desk(server):
    t = Tenant(server, "acts-a")
    t.c1 = t.request("receptionist", "POST", "/api/v1/contacts",
                     json={"type": "patient", "last_name": "One"}).json()["id"]
    t.c2 = t.request("receptionist", "POST", "/api/v1/contacts",
                     json={"type": "patient", "last_name": "Two"}).json()["id"]
    t.deal1 = t.request("sales", "POST", "/api/v1/deals",
                        json={"contact_id": t.c1, "title": "D1"}).json()["id"]
    return t


def test_create_and_complete_a_task(desk):
    r = desk.request("receptionist", "POST", "/api/v1/activities",
                     json={"type": "task", "subject": "Call back", "contact_id": desk.c1,
                           "deal_id": desk.deal1, "due_at": iso(1),
                           "assigned_to": desk.users["receptionist"], "priority": "high"})
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["priority"] == "high" and a["completed_at"] is None and a["deal_id"] == desk.deal1
    done = desk.request("receptionist", "PATCH", f"/api/v1/activities/{a['id']}",
                        headers={"If-Match": '"1"'}, json={"completed_at": iso(0)})
    assert done.status_code == 200 and done.json()["completed_at"]
    assert done.json()["version"] == 2


def test_deal_must_belong_to_the_same_contact(desk):
    r = desk.request("receptionist", "POST", "/api/v1/activities",
                     json={"type": "note", "subject": "Wrong deal", "contact_id": desk.c2,
                           "deal_id": desk.deal1})
    assert_problem(r, 422, field="deal_id")


def test_invalid_activities_are_422(desk, pg):
    base = {"type": "call", "subject": "Bad activity", "contact_id": desk.c1}
    cases = [({"type": "fax"}, "type"), ({"subject": ""}, "subject"),
             ({"contact_id": str(uuid.uuid4())}, "contact_id"),
             ({"due_at": "tomorrow"}, "due_at"), ({"due_at": "2026-11-27T10:00:00"}, "due_at"),
             ({"starts_at": iso(2), "ends_at": iso(1)}, "ends_at"),
             ({"priority": "asap"}, "priority"), ({"assigned_to": "me"}, "assigned_to"),
             ({"body": "x" * 20001}, "body"), ({"colour": 1}, "colour")]
    for over, field in cases:
        assert_problem(desk.request("receptionist", "POST", "/api/v1/activities",
                                    json=base | over), 422, field=field)
    assert pg.sql("SELECT count(*) FROM activities WHERE subject = 'Bad activity'") == [["0"]]


def test_my_open_tasks_and_overdue(desk):
    me = desk.users["practitioner"]
    made = {}
    for name, due, done in [("late", iso(-2), None), ("soon", iso(3), None),
                            ("finished", iso(-1), iso(0))]:
        r = desk.request("practitioner", "POST", "/api/v1/activities",
                         json={"type": "task", "subject": name, "contact_id": desk.c2,
                               "due_at": due, "assigned_to": me, "completed_at": done})
        assert r.status_code == 201, r.text
        made[name] = r.json()["id"]
    mine = desk.request("practitioner", "GET", "/api/v1/activities",
                        params={"assigned_to": "me", "type": "task", "completed": "false",
                                "sort": "due_at"}).json()["data"]
    assert [a["subject"] for a in mine] == ["late", "soon"]
    overdue = desk.request("practitioner", "GET", "/api/v1/activities",
                           params={"assigned_to": "me", "overdue": "true"}).json()["data"]
    assert [a["id"] for a in overdue] == [made["late"]]
    for bad in [{"completed": "maybe"}, {"assigned_to": "you"}, {"due_before": "later"},
                {"sort": "subject"}]:
        assert_problem(desk.request("practitioner", "GET", "/api/v1/activities", params=bad), 400)


def test_other_tenants_cannot_reach_activities(desk, server, pg):
    other = Tenant(server, "acts-b")
    mine = desk.request("receptionist", "POST", "/api/v1/activities",
                        json={"type": "note", "subject": "Private note",
                              "contact_id": desk.c1}).json()
    url = f"/api/v1/activities/{mine['id']}"
    assert_problem(other.request("admin", "GET", url), 404)
    assert_problem(other.request("admin", "PATCH", url, headers={"If-Match": '"1"'},
                                 json={"subject": "Owned"}), 404)
    r = other.request("admin", "POST", "/api/v1/activities",
                      json={"type": "note", "subject": "x", "contact_id": desk.c1})
    assert_problem(r, 422, field="contact_id")
    assert pg.sql(f"SELECT subject FROM activities WHERE id = '{mine['id']}'") == [["Private note"]]
    assert_problem(desk.request("viewer", "POST", "/api/v1/activities",
                                json={"type": "note", "subject": "x", "contact_id": desk.c1}),
                   403)
