"""Pages that show patients (the contact list, search, the appointment list) are logged as one
search row each, in the page's own statement: its filters, how many records it showed and
which patients were among them."""
import json

import pytest

from audittest import Mark
from crmtest import Tenant


@pytest.fixture(scope="module")
def t(server):
    t = Tenant(server, "pages-a")
    assert t.request("admin", "PUT", "/api/v1/modules/clinic",
                     json={"enabled": True}).status_code == 200
    t.patients = []
    for i in range(3):
        r = t.request("receptionist", "POST", "/api/v1/contacts",
                      json={"type": "patient", "first_name": f"Zora{i}", "last_name": "Quill",
                            "tags": ["pages"]})
        assert r.status_code == 201
        t.patients.append(r.json()["id"])
    for i in range(2):
        assert t.request("sales", "POST", "/api/v1/contacts",
                         json={"type": "lead", "first_name": f"Lead{i}", "last_name": "Quill",
                               "tags": ["leads-only"]}).status_code == 201
    return t


def page_rows(pg, t, entity, since):
    rows = pg.sql("SELECT coalesce(json_agg(json_build_object('actor_id', actor_id, 'patient_id',"
                  " subject_id, 'changes', changes, 'entity_id', entity_id) ORDER BY id), '[]')"
                  f" FROM audit_log WHERE tenant_id = '{t.id}' AND action = 'search'"
                  f" AND entity_type = '{entity}' AND id > {since}")
    return json.loads(rows[0][0])


def mark(pg, t):
    return Mark(pg).of(t.id)


def test_a_contact_page_with_patients_is_logged_once_with_what_it_showed(t, pg):
    since = mark(pg, t)
    r = t.request("practitioner", "GET", "/api/v1/contacts",
                  params={"tag": "pages", "sort": "created_at", "limit": "2"})
    assert r.status_code == 200
    shown = [c["id"] for c in r.json()["data"]]
    assert shown == t.patients[:2] and r.json()["next_cursor"]
    rows = page_rows(pg, t, "contacts", since)
    assert len(rows) == 1
    assert rows[0]["actor_id"] == t.users["practitioner"]
    assert rows[0]["patient_id"] is None  # two patients: they are listed in changes
    assert rows[0]["changes"] == {"query": {"tag": "pages", "sort": "created_at"},
                                  "records": 2, "patients": sorted(shown)}
    # the next page shows one patient: it lands in patient_id too
    since = mark(pg, t)
    r = t.request("practitioner", "GET", "/api/v1/contacts",
                  params={"tag": "pages", "sort": "created_at", "limit": "2",
                          "cursor": r.json()["next_cursor"]})
    assert [c["id"] for c in r.json()["data"]] == t.patients[2:]
    rows = page_rows(pg, t, "contacts", since)
    assert len(rows) == 1 and rows[0]["patient_id"] == t.patients[2]
    assert rows[0]["changes"]["records"] == 1


def test_pages_without_patients_are_logged_only_when_the_tenant_asks(t, pg):
    since = mark(pg, t)
    r = t.request("sales", "GET", "/api/v1/contacts", params={"tag": "leads-only"})
    assert len(r.json()["data"]) == 2
    assert page_rows(pg, t, "contacts", since) == []
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"audit_all_reads\": true}}'"
           f" WHERE id = '{t.id}'")
    try:
        t.request("sales", "GET", "/api/v1/contacts", params={"tag": "leads-only"})
        rows = page_rows(pg, t, "contacts", since)
        assert len(rows) == 1 and rows[0]["changes"]["records"] == 2
        assert rows[0]["changes"]["patients"] == []
    finally:
        pg.sql(f"UPDATE tenants SET settings = settings - 'audit_all_reads' WHERE id = '{t.id}'")


def test_a_search_finding_patients_is_logged(t, pg):
    since = mark(pg, t)
    r = t.request("receptionist", "GET", "/api/v1/search", params={"q": "quill"})
    assert r.status_code == 200
    found = {x["id"] for x in r.json()["data"] if x["kind"] == "contact"}
    assert set(t.patients) <= found
    rows = page_rows(pg, t, "contacts", since)
    assert len(rows) == 1
    assert rows[0]["changes"]["query"] == {"q": "quill"}
    assert rows[0]["changes"]["records"] == len(r.json()["data"])
    assert rows[0]["changes"]["patients"] == sorted(t.patients)


def test_the_appointment_list_is_logged_for_those_who_see_whose_they_are(t, pg):
    r = t.request("receptionist", "POST", "/api/v1/appointments",
                  json={"patient_id": t.patients[0], "practitioner_id": t.users["practitioner"],
                        "appointment_time": "2027-05-03T09:00:00+00:00",
                        "duration_minutes": 30})
    assert r.status_code == 201, r.text
    since = mark(pg, t)
    got = t.request("receptionist", "GET", "/api/v1/appointments",
                    params={"from": "2027-05-01T00:00:00Z"})
    assert len(got.json()["data"]) == 1
    rows = page_rows(pg, t, "clinic_appointments", since)
    assert len(rows) == 1 and rows[0]["patient_id"] == t.patients[0]
    assert rows[0]["changes"]["query"] == {"from": "2027-05-01T00:00:00Z"}
    # the viewer sees the schedule without patients: nothing to log
    since = mark(pg, t)
    got = t.request("viewer", "GET", "/api/v1/appointments",
                    params={"from": "2027-05-01T00:00:00Z"})
    assert len(got.json()["data"]) == 1 and "patient_id" not in got.json()["data"][0]
    assert page_rows(pg, t, "clinic_appointments", since) == []


def test_who_viewed_a_patient_includes_the_pages_that_showed_them(t):
    r = t.request("admin", "GET", "/api/v1/audit",
                  params={"patient_id": t.patients[1], "action": "search"})
    assert r.status_code == 200
    rows = r.json()["data"]
    assert rows and all(t.patients[1] in (e["changes"].get("patients") or []) for e in rows)
