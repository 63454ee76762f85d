"""The audit log's subject: subject_id, the contact (of a sensitive type: a patient) whose
record a row is about. The API publishes it as subject_id and, as before, patient_id, and
filters by either."""
import json

import pytest

from crmtest import Tenant, assert_problem


@pytest.fixture(scope="module")
def t(server):
    t = Tenant(server, "subjects-a")
    assert t.request("admin", "PUT", "/api/v1/modules/clinic",
                     json={"enabled": True}).status_code == 200
    t.patients = []
    for i in range(2):
        r = t.request("receptionist", "POST", "/api/v1/contacts",
                      json={"type": "patient", "first_name": f"Subj{i}", "last_name": "Ectly"})
        assert r.status_code == 201
        t.patients.append(r.json()["id"])
    assert t.request("admin", "GET", f"/api/v1/contacts/{t.patients[0]}").status_code == 200
    # one page showing both: logged with no subject_id, both in changes.patients
    r = t.request("admin", "GET", "/api/v1/contacts", params={"q": "ectly"})
    assert len(r.json()["data"]) == 2
    return t


def entries(t, **params):
    r = t.request("auditor", "GET", "/api/v1/audit", params=params | {"limit": "200"})
    assert r.status_code == 200, r.text
    return r.json()["data"]


def test_entries_carry_subject_id_and_its_first_name(t, pg):
    rows = entries(t, entity_id=t.patients[0])
    assert rows and all(e["subject_id"] == e["patient_id"] == t.patients[0] for e in rows)
    assert [e["action"] for e in rows] == ["read", "create"]
    others = entries(t, entity_type="users")
    assert others and all(e["subject_id"] is None and e["patient_id"] is None for e in others)
    r = t.request("auditor", "GET", "/api/v1/audit/export", params={"entity_id": t.patients[0]})
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert lines and all(x["subject_id"] == x["patient_id"] == t.patients[0] for x in lines)
    db = pg.sql(f"SELECT subject_id FROM audit_log WHERE tenant_id = '{t.id}'"
                f" AND entity_id = '{t.patients[0]}' ORDER BY id")
    assert db == [[t.patients[0]]] * 2


def test_the_subject_filter_and_its_first_name_find_the_same_rows(t):
    for p in t.patients:
        by_subject = entries(t, subject_id=p)
        assert by_subject == entries(t, patient_id=p)
        assert by_subject == entries(t, subject_id=p, patient_id=p)
        # the page that showed both patients names neither in subject_id: found in changes
        page = [e for e in by_subject if e["action"] == "search"]
        assert len(page) == 1 and page[0]["subject_id"] is None
        assert page[0]["changes"]["patients"] == sorted(t.patients)
    assert {e["action"] for e in entries(t, subject_id=t.patients[0])} == {"create", "read",
                                                                             "search"}
    # the export filters alike
    r = t.request("auditor", "GET", "/api/v1/audit/export", params={"subject_id": t.patients[1]})
    assert [json.loads(line)["id"] for line in r.text.splitlines()] == \
        [e["id"] for e in reversed(entries(t, subject_id=t.patients[1]))]


def test_bad_subject_filters_are_400_naming_the_parameter(t):
    assert_problem(t.request("auditor", "GET", "/api/v1/audit", params={"subject_id": "x"}),
                   400, field="query.subject_id")
    assert_problem(t.request("auditor", "GET", "/api/v1/audit/export",
                             params={"subject_id": "x"}), 400, field="query.subject_id")
    body = assert_problem(t.request("auditor", "GET", "/api/v1/audit",
                                    params={"subject_id": t.patients[0],
                                            "patient_id": t.patients[1]}),
                          400, field="query.patient_id")
    assert "subject_id" in body["errors"][0]["message"]
