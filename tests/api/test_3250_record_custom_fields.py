"""Custom fields of deals and activities: validated on create against the tenant's
definitions, which each worker thread remembers; a definition added or removed holds from the
next request on, on whichever thread serves it, and nothing is written against an old one."""
import concurrent.futures

import pytest

from crmtest import Tenant, assert_problem


@pytest.fixture(scope="module")
def firm(server):
    t = Tenant(server, "record-fields")
    t.contact = t.request("sales", "POST", "/api/v1/contacts",
                          json={"type": "customer", "company": "Fields Ltd"}).json()["id"]
    return t


def define(t, entity, name, **kw):
    r = t.request("admin", "POST", "/api/v1/custom-fields",
                  json={"entity": entity, "name": name, "label": name.title(), "type": "text"}
                  | kw)
    assert r.status_code == 201, r.text
    return r.json()["id"]


BODIES = {
    "deal": ("/api/v1/deals", "deals", lambda t, i: {"contact_id": t.contact, "title": f"D{i}"}),
    "activity": ("/api/v1/activities", "activities",
                 lambda t, i: {"type": "note", "subject": f"A{i}", "contact_id": t.contact}),
}


def many(t, entity, extra, n=24):
    """More creates than worker threads, in parallel."""
    path, _, body = BODIES[entity]
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        return list(ex.map(lambda i: t.request("sales", "POST", path, json=body(t, i) | extra),
                           range(n)))


@pytest.mark.parametrize("entity", ["deal", "activity"])
def test_definitions_changed_under_load_hold_at_once(firm, pg, entity):
    path, table, _ = BODIES[entity]
    note, tier = f"{entity}_stage_note", f"{entity}_tier"
    ids = {note: define(firm, entity, note), tier: define(firm, entity, tier)}
    made = many(firm, entity, {"custom_fields": {note: "x", tier: "t"}})
    for r in made:
        assert r.status_code == 201, r.text
        assert r.json()["custom_fields"] == {note: "x", tier: "t"}
    url = f"{path}/{made[0].json()['id']}"
    for bad, field in [({"nope": 1}, "custom_fields.nope"), ({note: 3}, f"custom_fields.{note}")]:
        assert_problem(many(firm, entity, {"custom_fields": bad}, n=1)[0], 422, field=field)
    # every thread still remembers both fields: a change with the removed one is refused
    assert firm.request("admin", "DELETE", f"/api/v1/custom-fields/{ids[note]}").status_code == 204
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        patched = list(ex.map(lambda _: firm.request(
            "sales", "PATCH", url, headers={"If-Match": '"1"'},
            json={"custom_fields": {note: "z"}}), range(24)))
    for r in patched:
        assert_problem(r, 422, field=f"custom_fields.{note}")
    unchanged = firm.request("sales", "GET", url).json()
    assert unchanged["version"] == 1 and unchanged["custom_fields"] == {note: "x", tier: "t"}
    # and so is a create with the other one, once it is removed too
    assert firm.request("admin", "DELETE", f"/api/v1/custom-fields/{ids[tier]}").status_code == 204
    count = f"SELECT count(*) FROM {table} WHERE tenant_id = '{firm.id}'"
    before = pg.sql(count)[0][0]
    for r in many(firm, entity, {"custom_fields": {tier: "u"}}):
        assert_problem(r, 422, field=f"custom_fields.{tier}")
    assert pg.sql(count)[0][0] == before
    assert_problem(firm.request("sales", "PATCH", url, headers={"If-Match": '"7"'},
                                json={"custom_fields": {}}), 412)
    assert_problem(firm.request("sales", "PATCH", f"{path}/{made[0].json()['id'][:-4]}0000",
                                headers={"If-Match": '"1"'}, json={"custom_fields": {}}), 404)
    required = define(firm, entity, f"{entity}_owner_ref", required=True)
    for r in many(firm, entity, {}):
        assert_problem(r, 422, field=f"custom_fields.{entity}_owner_ref")
    assert pg.sql(count)[0][0] == before
    for r in many(firm, entity, {"custom_fields": {f"{entity}_owner_ref": "R1"}}):
        assert r.status_code == 201, r.text
    firm.request("admin", "DELETE", f"/api/v1/custom-fields/{required}")
