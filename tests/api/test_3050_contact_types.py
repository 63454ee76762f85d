"""Contact types are declared by modules: the crm module's lead and customer, the Clinic's
patient (sensitive, sticky) and, in the test build, the testkit module's volunteer (sticky, not
sensitive). Validation, the sticky rule (a change, a merge, an import), the contact_types
table `crm migrate` keeps, and the rules read from that table."""
import json

import pytest

from crmtest import Tenant, assert_problem

DECLARED = "lead, customer, patient or volunteer"


@pytest.fixture(scope="module")
def t(server):
    return Tenant(server, "ctypes-a")


def contact(t, **body):
    r = t.request("receptionist", "POST", "/api/v1/contacts",
                  json={"last_name": "Kind"} | body)
    assert r.status_code == 201, r.text
    return r.json()


def field_message(body, field):
    return [e["message"] for e in body["errors"] if e["field"] == field]


def test_the_table_holds_every_declared_type_with_its_module_and_rules(pg):
    rows = pg.sql("SELECT name, module, plural, sensitive, sticky FROM contact_types ORDER BY 1")
    assert rows == [["customer", "crm", "customers", "f", "f"], ["lead", "crm", "leads", "f", "f"],
                    ["patient", "clinic", "patients", "t", "t"],
                    ["volunteer", "testkit", "volunteers", "f", "t"]]
    assert pg.sql("SELECT convalidated FROM pg_constraint"
                  " WHERE conname = 'contacts_type_fkey'") == [["t"]]
    assert pg.sql("SELECT count(*) FROM pg_constraint WHERE conname = 'contacts_type_check'") \
        == [["0"]]


def test_errors_list_the_declared_types(t):
    for path in ["/api/v1/contacts", "/api/v1/contacts/export"]:
        body = assert_problem(t.request("admin", "GET", path, params={"type": "buyer"}), 400,
                              field="query.type")
        assert field_message(body, "query.type") == [f"must be {DECLARED}"]
    body = assert_problem(t.request("receptionist", "POST", "/api/v1/contacts",
                                    json={"type": "buyer", "last_name": "X"}), 422, field="type")
    assert field_message(body, "type") == ["must be one of lead, customer, patient, volunteer"]


def test_a_module_type_is_a_contact_type_like_the_cores(t, pg):
    v = contact(t, type="volunteer", first_name="Vera")
    assert v["type"] == "volunteer"
    listed = t.request("viewer", "GET", "/api/v1/contacts", params={"type": "volunteer"})
    assert [c["id"] for c in listed.json()["data"]] == [v["id"]]
    assert pg.sql(f"SELECT type FROM contacts WHERE id = '{v['id']}'") == [["volunteer"]]
    # a type no module declares never reaches the table, whoever writes it
    with pytest.raises(RuntimeError, match="contacts_type_fkey"):
        pg.sql(f"UPDATE contacts SET type = 'buyer' WHERE id = '{v['id']}'")


def test_a_sticky_type_stays_and_the_others_change_freely(t, pg):
    lead = contact(t, type="lead")
    r = t.request("receptionist", "PATCH", f"/api/v1/contacts/{lead['id']}",
                  headers={"If-Match": '"1"'}, json={"type": "volunteer"})
    assert r.status_code == 200 and r.json()["type"] == "volunteer"
    for to in ["lead", "patient"]:
        body = assert_problem(t.request("receptionist", "PATCH",
                                        f"/api/v1/contacts/{lead['id']}",
                                        headers={"If-Match": '"2"'}, json={"type": to}),
                              422, field="type")
        assert field_message(body, "type") == ["a volunteer stays a volunteer"]
    # the same type again is no change of type
    r = t.request("receptionist", "PATCH", f"/api/v1/contacts/{lead['id']}",
                  headers={"If-Match": '"2"'}, json={"type": "volunteer", "company": "Kind Co"})
    assert r.status_code == 200 and r.json()["version"] == 3
    assert pg.sql(f"SELECT type, version FROM contacts WHERE id = '{lead['id']}'") \
        == [["volunteer", "3"]]
    # the rule is the table's: a type no longer sticky lets go
    pg.sql("UPDATE contact_types SET sticky = false WHERE name = 'volunteer'")
    try:
        r = t.request("receptionist", "PATCH", f"/api/v1/contacts/{lead['id']}",
                      headers={"If-Match": '"3"'}, json={"type": "customer"})
    finally:
        pg.sql("UPDATE contact_types SET sticky = true WHERE name = 'volunteer'")
    # the server still holds the declaration: it refuses in words, the statement let it pass
    assert r.status_code == 200 and r.json()["type"] == "customer"


def test_a_merge_keeps_the_sticky_type_of_either_contact(t, pg):
    survivor = contact(t, type="lead", first_name="Sur")
    source = contact(t, type="volunteer", first_name="Src")
    r = t.request("receptionist", "POST", f"/api/v1/contacts/{survivor['id']}/merge",
                  json={"source_id": source["id"]})
    assert r.status_code == 200, r.text
    assert pg.sql(f"SELECT type FROM contacts WHERE id = '{survivor['id']}'") == [["volunteer"]]
    # a survivor of a sticky type keeps its own, the source's sticky one too
    survivor = contact(t, type="patient", first_name="Pat")
    source = contact(t, type="volunteer", first_name="Vol")
    r = t.request("receptionist", "POST", f"/api/v1/contacts/{survivor['id']}/merge",
                  json={"source_id": source["id"]})
    assert r.status_code == 200, r.text
    assert pg.sql(f"SELECT type FROM contacts WHERE id = '{survivor['id']}'") == [["patient"]]
    # neither sticky: the survivor's
    survivor = contact(t, type="customer", first_name="Cus")
    source = contact(t, type="lead", first_name="Lea")
    assert t.request("receptionist", "POST", f"/api/v1/contacts/{survivor['id']}/merge",
                     json={"source_id": source["id"]}).status_code == 200
    assert pg.sql(f"SELECT type FROM contacts WHERE id = '{survivor['id']}'") == [["customer"]]


def test_an_import_update_keeps_a_sticky_type(t, pg):
    v = contact(t, type="volunteer", email="stay@volunteer.example")
    c = contact(t, type="lead", email="move@volunteer.example")
    r = t.request("receptionist", "POST", "/api/v1/contacts/import",
                  data=b"type,first_name,email\ncustomer,Stay,stay@volunteer.example\n"
                       b"customer,Move,move@volunteer.example\n",
                  headers={"Content-Type": "text/csv"}, params={"upsert_by": "email"})
    assert r.status_code == 200, r.text
    assert r.json()["updated"] == 2
    assert pg.sql(f"SELECT first_name, type FROM contacts WHERE id IN ('{v['id']}', '{c['id']}')"
                  " ORDER BY email") == [["Move", "customer"], ["Stay", "volunteer"]]
    body = assert_problem(t.request("receptionist", "POST", "/api/v1/contacts/import",
                                    data=b"type,last_name\nbuyer,X\n",
                                    headers={"Content-Type": "text/csv"}), 422)
    assert "must be one of lead, customer, patient, volunteer" in json.dumps(body)


def test_whether_a_type_is_sensitive_is_the_tables(t, pg):
    """Reads of a sensitive type's contacts are audited with the contact as subject: leads
    become subjects once the table says so (as a module's sensitive type would be)."""
    lead = contact(t, type="lead", first_name="Reada")

    def reads():
        return pg.sql(f"SELECT coalesce(subject_id::text, '-') FROM audit_log"
                      f" WHERE tenant_id = '{t.id}' AND action = 'read'"
                      f" AND entity_id = '{lead['id']}' ORDER BY id")

    assert t.request("admin", "GET", f"/api/v1/contacts/{lead['id']}").status_code == 200
    assert reads() == []
    pg.sql("UPDATE contact_types SET sensitive = true WHERE name = 'lead'")
    try:
        assert t.request("admin", "GET", f"/api/v1/contacts/{lead['id']}").status_code == 200
        page = t.request("admin", "GET", "/api/v1/contacts", params={"q": "reada"})
        assert [c["id"] for c in page.json()["data"]] == [lead["id"]]
    finally:
        pg.sql("UPDATE contact_types SET sensitive = false WHERE name = 'lead'")
    assert reads() == [[lead["id"]]]
    logged = pg.sql(f"SELECT subject_id, changes FROM audit_log WHERE tenant_id = '{t.id}'"
                    " AND action = 'search' ORDER BY id DESC LIMIT 1")
    assert logged[0][0] == lead["id"]
    assert json.loads(logged[0][1]) == {"query": {"q": "reada"}, "records": 1,
                                        "leads": [lead["id"]], "patients": []}
