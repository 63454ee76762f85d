"""Contacts: create (validation, phone normalisation, duplicates, Idempotency-Key), read, list,
change with If-Match, soft delete and restore, custom fields, roles and other tenants."""
import concurrent.futures
import uuid

import pytest

from crmtest import Tenant, assert_problem


@pytest.fixture(scope="module")
def clinic(server):
    return Tenant(server, "contacts-a")


@pytest.fixture(scope="module")
def other(server):
    return Tenant(server, "contacts-b")


def create(t, body, role="receptionist", **kw):
    return t.request(role, "POST", "/api/v1/contacts", json=body, **kw)


def test_create_and_read_a_contact(clinic, pg):
    body = {"type": "lead", "first_name": "Ada", "last_name": "Lovelace",
            "email": "ada@example.org", "phone": "020 7946 0958", "date_of_birth": "1990-12-10",
            "gender": "female", "address": {"line1": "1 Main St", "city": "London",
                                            "country": "GB"},
            "company": "Analytical Engines", "tags": ["vip", "newsletter", "vip"],
            "owner_id": clinic.users["sales"], "source": "website",
            "consent": {"email_marketing": True, "sms_reminders": False}}
    r = create(clinic, body)
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["phone"] == "+442079460958"  # the tenant's default country is GB
    assert c["tags"] == ["newsletter", "vip"]
    assert c["email"] == "ada@example.org" and c["type"] == "lead" and c["version"] == 1
    assert c["created_by"] == clinic.users["receptionist"] and c["tenant_id"] == clinic.id
    assert set(c["consent_updated_at"]) == {"email_marketing", "sms_reminders"}
    assert r.headers["Location"] == f"/api/v1/contacts/{c['id']}" and r.headers["ETag"] == '"1"'
    got = clinic.request("viewer", "GET", f"/api/v1/contacts/{c['id']}")
    assert got.status_code == 200 and got.json() == c and got.headers["ETag"] == '"1"'
    assert pg.sql(f"SELECT phone, tags FROM contacts WHERE id = '{c['id']}'") == [
        ["+442079460958", "{newsletter,vip}"]]


def test_invalid_contacts_are_422_naming_the_field(clinic, pg):
    base = {"type": "lead", "last_name": "Invalid"}
    cases = [
        ({"type": "prospect"}, "type"), ({"type": 3}, "type"),
        ({"first_name": "x" * 101}, "first_name"), ({"email": "not-an-email"}, "email"),
        ({"phone": "call me"}, "phone"), ({"phone": "12"}, "phone"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "1990-02-30"}, "date_of_birth"),
        ({"date_of_birth": "10/12/1990"}, "date_of_birth"), ({"gender": "x"}, "gender"),
        ({"date_of_birth": "1990- 1-01"}, "date_of_birth"),
        ({"date_of_birth": "1990-+1-01"}, "date_of_birth"),
        ({"address": "1 Main St"}, "address"), ({"address": {"street": "x"}}, "address.street"),
        ({"address": {"country": "gb"}}, "address.country"), ({"tags": "vip"}, "tags"),
        ({"tags": [1]}, "tags"), ({"owner_id": "bob"}, "owner_id"),
        ({"owner_id": str(uuid.uuid4())}, "owner_id"),
        ({"consent": {"email_marketing": "yes"}}, "consent.email_marketing"),
        ({"consent": {"telepathy": True}}, "consent.telepathy"),
        ({"custom_fields": {"nope": 1}}, "custom_fields.nope"),
        ({"nickname": "x"}, "nickname"), ({"tenant_id": clinic.id}, "tenant_id"),
    ]
    for over, field in cases:
        assert_problem(create(clinic, base | over), 422, field=field)
    assert_problem(create(clinic, {"type": "lead"}), 422, field="last_name")
    assert_problem(create(clinic, {"last_name": "No Type"}), 422, field="type")
    assert pg.sql("SELECT count(*) FROM contacts WHERE last_name = 'Invalid'") == [["0"]]


def test_owner_of_another_tenant_is_refused_without_leaking(clinic, other):
    r = create(clinic, {"type": "lead", "last_name": "Cross", "owner_id": other.users["sales"]})
    body = assert_problem(r, 422, field="owner_id")
    assert "not a user of this tenant" in str(body["errors"])


def test_duplicates_answer_409_with_existing_ids(clinic):
    first = create(clinic, {"type": "customer", "first_name": "Grace", "last_name": "Hopper",
                            "email": "grace@navy.mil", "phone": "+1 415 555 2671",
                            "date_of_birth": "1906-12-09"}).json()
    for dup in [{"email": "GRACE@navy.mil"}, {"phone": "+14155552671"},
                {"first_name": "grace", "last_name": "HOPPER", "date_of_birth": "1906-12-09"}]:
        r = create(clinic, {"type": "lead", "last_name": "Someone"} | dup)
        body = assert_problem(r, 409, "existing_ids")
        assert body["existing_ids"] == [first["id"]]
    r = create(clinic, {"type": "lead", "last_name": "Twin", "email": "grace@navy.mil"},
               params={"allow_duplicate": "true"})
    assert r.status_code == 201
    assert_problem(create(clinic, {"type": "lead", "last_name": "x"},
                          params={"allow_duplicate": "maybe"}), 400)


def test_a_bracketed_trunk_is_the_same_phone(clinic, pg):
    r = create(clinic, {"type": "lead", "last_name": "Manchester", "phone": "+44 (0)161 496 0000"})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["phone"] == "+441614960000"
    assert pg.sql(f"SELECT phone FROM contacts WHERE id = '{c['id']}'") == [["+441614960000"]]
    body = assert_problem(create(clinic, {"type": "lead", "last_name": "Other",
                                          "phone": "0161 496 0000"}), 409, "existing_ids")
    assert body["existing_ids"] == [c["id"]]


def test_idempotency_key_replays_or_refuses(clinic, pg):
    body = {"type": "lead", "first_name": "Idem", "last_name": "Potent"}
    key = {"Idempotency-Key": f"key-{uuid.uuid4()}"}
    first = create(clinic, body, headers=dict(key))
    assert first.status_code == 201
    again = create(clinic, body, headers=dict(key))
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert pg.sql("SELECT count(*) FROM contacts WHERE last_name = 'Potent'") == [["1"]]
    r = create(clinic, body | {"first_name": "Other"}, headers=dict(key))
    assert_problem(r, 422, "different request")
    assert_problem(create(clinic, body, headers={"Idempotency-Key": "x" * 300}), 400)
    # a new key with the same body is a new create: this time a duplicate of the first
    r = create(clinic, body | {"email": "idem@x.test"}, headers={"Idempotency-Key": "k2"})
    assert r.status_code == 201


def test_patch_needs_if_match_and_keeps_history_of_consent(clinic):
    c = create(clinic, {"type": "lead", "first_name": "Pat", "last_name": "Ch",
                        "consent": {"sms_reminders": False}}).json()
    url = f"/api/v1/contacts/{c['id']}"
    assert_problem(clinic.request("receptionist", "PATCH", url, json={"company": "X"}), 428)
    r = clinic.request("receptionist", "PATCH", url, headers={"If-Match": '"1"'},
                       json={"type": "patient", "company": "Acme", "first_name": None,
                             "consent": {"sms_reminders": True, "email_marketing": False},
                             "phone": "+33 1 23 45 67 89"})
    assert r.status_code == 200, r.text
    u = r.json()
    assert u["type"] == "patient" and u["company"] == "Acme" and u["first_name"] is None
    assert u["last_name"] == "Ch" and u["version"] == 2 and r.headers["ETag"] == '"2"'
    assert u["phone"] == "+33123456789"
    assert u["consent"] == {"sms_reminders": True, "email_marketing": False}
    assert u["consent_updated_at"]["sms_reminders"] > c["consent_updated_at"]["sms_reminders"]
    stale = clinic.request("receptionist", "PATCH", url, headers={"If-Match": '"1"'},
                           json={"company": "Stale"})
    assert_problem(stale, 412)
    back = clinic.request("receptionist", "PATCH", url, headers={"If-Match": '"2"'},
                          json={"type": "lead"})
    assert_problem(back, 422, field="type")
    empty = clinic.request("receptionist", "PATCH", url, headers={"If-Match": '"2"'},
                           json={"last_name": None, "company": None})
    assert_problem(empty, 422, field="last_name")
    assert clinic.request("viewer", "GET", url).json()["company"] == "Acme"


def test_delete_restore_and_deleted_lists(clinic):
    c = create(clinic, {"type": "lead", "last_name": "Gone"}).json()
    url = f"/api/v1/contacts/{c['id']}"
    assert clinic.request("receptionist", "DELETE", url).status_code == 204
    assert_problem(clinic.request("viewer", "GET", url), 404)
    assert_problem(clinic.request("receptionist", "DELETE", url), 404)
    ids = [x["id"] for x in clinic.request("admin", "GET", "/api/v1/contacts",
                                           params={"deleted": "true", "limit": "200"}).json()["data"]]
    assert c["id"] in ids
    assert_problem(clinic.request("sales", "GET", "/api/v1/contacts", params={"deleted": "true"}),
                   403)
    r = clinic.request("receptionist", "POST", url + "/restore")
    assert r.status_code == 200 and r.json()["id"] == c["id"]
    assert clinic.request("viewer", "GET", url).status_code == 200
    assert_problem(clinic.request("receptionist", "POST", url + "/restore"), 404)


def test_list_filters_sorts_and_pages(clinic):
    tag = f"t{uuid.uuid4().hex[:8]}"
    made = [create(clinic, {"type": "patient" if i % 2 else "customer", "first_name": f"N{i}",
                            "last_name": f"Zeta{i:02d}", "tags": [tag],
                            "owner_id": clinic.users["practitioner"]}).json()["id"]
            for i in range(7)]
    seen, cursor = [], None
    while True:
        params = {"tag": tag, "limit": "3", "sort": "last_name"} | ({"cursor": cursor} if cursor else {})
        page = clinic.request("viewer", "GET", "/api/v1/contacts", params=params).json()
        seen += page["data"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [c["last_name"] for c in seen] == [f"Zeta{i:02d}" for i in range(7)]
    newest = clinic.request("viewer", "GET", "/api/v1/contacts", params={"tag": tag}).json()["data"]
    assert [c["id"] for c in newest] == made[::-1]
    patients = clinic.request("viewer", "GET", "/api/v1/contacts",
                              params={"tag": tag, "type": "patient"}).json()["data"]
    assert len(patients) == 3 and all(c["type"] == "patient" for c in patients)
    found = clinic.request("viewer", "GET", "/api/v1/contacts", params={"q": "zeta0"}).json()["data"]
    assert {c["id"] for c in found} >= set(made)
    for bad in [{"sort": "age"}, {"type": "x"}, {"owner_id": "x"}, {"created_after": "soon"},
                {"colour": "red"}, {"limit": "500"}]:
        assert_problem(clinic.request("viewer", "GET", "/api/v1/contacts", params=bad), 400)


def test_cursor_pages_have_no_duplicates_or_gaps_under_inserts(clinic):
    tag = f"c{uuid.uuid4().hex[:8]}"
    before = [create(clinic, {"type": "lead", "last_name": f"P{i}", "tags": [tag]}).json()["id"]
              for i in range(10)]
    seen, cursor = [], None
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        while True:
            params = {"tag": tag, "limit": "3", "sort": "created_at"} | (
                {"cursor": cursor} if cursor else {})
            page = clinic.request("viewer", "GET", "/api/v1/contacts", params=params).json()
            seen += [c["id"] for c in page["data"]]
            list(pool.map(lambda i: create(clinic, {"type": "lead", "last_name": f"New{i}",
                                                    "tags": [tag]}), range(2)))
            cursor = page["next_cursor"]
            if not cursor:
                break
    assert len(seen) == len(set(seen)), "a row was listed twice"
    assert seen[:10] == before, "rows that existed before were skipped or reordered"


def test_custom_fields_are_validated(clinic):
    r = clinic.request("admin", "POST", "/api/v1/custom-fields",
                       json={"entity": "contact", "name": "insurance_tier", "label": "Insurance",
                             "type": "select", "options": ["basic", "premium"],
                             "required": False})
    assert r.status_code == 201, r.text
    clinic.request("admin", "POST", "/api/v1/custom-fields",
                   json={"entity": "contact", "name": "visits", "label": "Visits",
                         "type": "number"})
    assert_problem(clinic.request("admin", "POST", "/api/v1/custom-fields",
                                  json={"entity": "contact", "name": "visits", "label": "V",
                                        "type": "number"}), 409, field="name")
    for bad, field in [({"name": "Bad Name"}, "name"), ({"type": "colour"}, "type"),
                       ({"type": "select"}, "options"), ({"options": ["a"]}, "options"),
                       ({"entity": "invoice"}, "entity")]:
        body = {"entity": "contact", "name": "ok_name", "label": "L", "type": "text"} | bad
        assert_problem(clinic.request("admin", "POST", "/api/v1/custom-fields", json=body), 422,
                       field=field)
    assert_problem(clinic.request("receptionist", "POST", "/api/v1/custom-fields",
                                  json={"entity": "contact", "name": "x", "label": "X",
                                        "type": "text"}), 403)
    c = create(clinic, {"type": "patient", "last_name": "Custom",
                        "custom_fields": {"insurance_tier": "premium", "visits": 3}})
    assert c.status_code == 201 and c.json()["custom_fields"] == {"insurance_tier": "premium",
                                                                  "visits": 3}
    clinic.request("admin", "POST", "/api/v1/custom-fields",
                   json={"entity": "contact", "name": "first_visit", "label": "First visit",
                         "type": "date"})
    for value, field in [({"insurance_tier": "gold"}, "custom_fields.insurance_tier"),
                         ({"visits": "three"}, "custom_fields.visits"),
                         ({"first_visit": "2026- 1-27"}, "custom_fields.first_visit"),
                         ({"first_visit": "2026-+1-27"}, "custom_fields.first_visit")]:
        assert_problem(create(clinic, {"type": "lead", "last_name": "C", "custom_fields": value}),
                       422, field=field)
    r = clinic.request("receptionist", "PATCH", f"/api/v1/contacts/{c.json()['id']}",
                       headers={"If-Match": '"1"'}, json={"custom_fields": {"visits": None}})
    assert r.status_code == 200 and r.json()["custom_fields"] == {"insurance_tier": "premium"}
    listed = clinic.request("viewer", "GET", "/api/v1/custom-fields",
                            params={"entity": "contact"}).json()["data"]
    assert {f["name"] for f in listed} >= {"insurance_tier", "visits"}


def test_a_changed_context_is_noticed_by_every_worker(clinic, pg):
    """Creates are validated against a context each worker thread remembers; a definition
    added or removed, or a new default country, must hold from the next request on, on
    whichever thread serves it."""
    def many(body, n=24):  # more requests than worker threads, in parallel
        def one(i):
            b = body | {"last_name": f"Ctx{uuid.uuid4().hex[:8]}"}
            if "phone" in b:
                b["phone"] += f"{i:03d}"
            return create(clinic, b)
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            return list(ex.map(one, range(n)))

    r = clinic.request("admin", "POST", "/api/v1/custom-fields",
                       json={"entity": "contact", "name": "ward", "label": "Ward",
                             "type": "text"})
    assert r.status_code == 201, r.text
    ward = r.json()["id"]
    made = many({"type": "lead", "custom_fields": {"ward": "A"}})
    for c in made:
        assert c.status_code == 201, c.text
    url = f"/api/v1/contacts/{made[0].json()['id']}"
    assert clinic.request("admin", "DELETE", f"/api/v1/custom-fields/{ward}").status_code == 204
    with concurrent.futures.ThreadPoolExecutor(8) as ex:  # changes, on every thread
        patched = list(ex.map(lambda _: clinic.request(
            "receptionist", "PATCH", url, headers={"If-Match": '"1"'},
            json={"custom_fields": {"ward": "C"}}), range(24)))
    for p in patched:
        assert_problem(p, 422, field="custom_fields.ward")
    assert clinic.request("receptionist", "GET", url).json()["version"] == 1
    before = pg.sql(f"SELECT count(*) FROM contacts WHERE tenant_id = '{clinic.id}'")[0][0]
    for c in many({"type": "lead", "custom_fields": {"ward": "B"}}):
        assert_problem(c, 422, field="custom_fields.ward")
    assert pg.sql(f"SELECT count(*) FROM contacts WHERE tenant_id = '{clinic.id}'")[0][0] == before
    r = clinic.request("admin", "POST", "/api/v1/custom-fields",
                       json={"entity": "contact", "name": "referrer", "label": "Referrer",
                             "type": "text", "required": True})
    assert r.status_code == 201, r.text
    for c in many({"type": "lead"}):
        assert_problem(c, 422, field="custom_fields.referrer")
    # a national number follows the tenant's country as it is now
    country = pg.sql(f"SELECT default_country FROM tenants WHERE id = '{clinic.id}'")[0][0]
    pg.sql(f"UPDATE tenants SET default_country = 'US' WHERE id = '{clinic.id}'")
    try:
        made = many({"type": "lead", "custom_fields": {"referrer": "GP"}, "phone": "(202) 555-0"})
        for c in made:
            assert c.status_code == 201, c.text
            assert c.json()["phone"].startswith("+1202555"), c.json()["phone"]
    finally:
        pg.sql(f"UPDATE tenants SET default_country = '{country}' WHERE id = '{clinic.id}'")
    clinic.request("admin", "DELETE", f"/api/v1/custom-fields/{r.json()['id']}")


def test_other_tenants_contacts_are_404_and_untouched(clinic, other, pg):
    theirs = create(other, {"type": "patient", "last_name": "Private"}).json()
    url = f"/api/v1/contacts/{theirs['id']}"
    assert_problem(clinic.request("admin", "GET", url), 404)
    assert_problem(clinic.request("admin", "PATCH", url, headers={"If-Match": '"1"'},
                                  json={"last_name": "Owned"}), 404)
    assert_problem(clinic.request("admin", "DELETE", url), 404)
    assert_problem(clinic.request("admin", "POST", url + "/restore"), 404)
    assert pg.sql(f"SELECT last_name, version, deleted_at IS NULL FROM contacts"
                  f" WHERE id = '{theirs['id']}'") == [["Private", "1", "t"]]
    mine = clinic.request("admin", "GET", "/api/v1/contacts", params={"limit": "200"}).json()
    assert all(c["tenant_id"] == clinic.id for c in mine["data"])


def test_roles_on_contacts(clinic):
    assert_problem(create(clinic, {"type": "lead", "last_name": "V"}, role="viewer"), 403)
    assert create(clinic, {"type": "lead", "last_name": "S"}, role="sales").status_code == 201


def test_an_idempotency_key_is_the_user_s_own_and_lives_a_day(server, pg):
    t = Tenant(server, "idem-scope")
    key = {"Idempotency-Key": "shared-key-1"}
    body = {"type": "lead", "first_name": "Only", "last_name": "Mine"}
    first = t.request("receptionist", "POST", "/api/v1/contacts", json=body, headers=key)
    assert first.status_code == 201
    again = t.request("receptionist", "POST", "/api/v1/contacts", json=body, headers=key)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    # another user of the tenant with the same key gets an answer of their own
    theirs = t.request("admin", "POST", "/api/v1/contacts",
                       json=body | {"first_name": "Admins"}, headers=key)
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["id"] != first.json()["id"]
    rows = pg.sql(f"SELECT user_id FROM idempotency_keys WHERE tenant_id = '{t.id}'"
                  " ORDER BY created_at")
    assert [r[0] for r in rows] == [t.users["receptionist"], t.users["admin"]]
    # past 24 hours a key is neither replayed nor kept: the same user may use it again
    pg.sql(f"UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
           f" WHERE tenant_id = '{t.id}'")
    later = t.request("receptionist", "POST", "/api/v1/contacts",
                      json=body | {"first_name": "Later"}, headers=key)
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    rows = pg.sql(f"SELECT user_id, created_at > now() - interval '1 hour'"
                  f" FROM idempotency_keys WHERE tenant_id = '{t.id}'")
    assert rows == [[t.users["receptionist"], "t"]]  # the expired ones are gone
