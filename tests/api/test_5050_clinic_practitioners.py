"""Who is a practitioner is the Clinic module's: a row of clinic_practitioners, shown and set as
the user body's is_practitioner through the module's user hooks, in the core's transaction."""
import pytest

from crmtest import Tenant, assert_problem

pytestmark = pytest.mark.clinic


@pytest.fixture(scope="module")
def t(server):
    return Tenant(server, "prac-a")


def practitioners(pg, t):
    return {r[0] for r in pg.sql("SELECT id FROM clinic_practitioners"
                                 f" WHERE tenant_id = '{t.id}'")}


def test_is_practitioner_lives_in_the_clinics_table(t, pg):
    assert practitioners(pg, t) == {t.users["practitioner"]}
    cols = pg.sql("SELECT column_name FROM information_schema.columns"
                  " WHERE table_name = 'users' AND column_name LIKE '%practitioner%'")
    assert cols == []
    body = t.request("admin", "GET", f"/api/v1/users/{t.users['practitioner']}").json()
    assert body["is_practitioner"] is True
    me = t.request("receptionist", "GET", "/api/v1/me").json()
    assert me["is_practitioner"] is False
    listed = {u["id"]: u["is_practitioner"]
              for u in t.request("admin", "GET", "/api/v1/users").json()["data"]}
    assert listed[t.users["practitioner"]] is True and listed[t.users["viewer"]] is False


def test_create_and_change_set_the_clinics_row_with_the_user(t, pg):
    r = t.request("admin", "POST", "/api/v1/users",
                  json={"email": "locum@prac-a.test", "full_name": "Lou Locum",
                        "role": "practitioner", "password": "a long enough password 1",
                        "is_practitioner": True})
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    assert r.json()["is_practitioner"] is True and uid in practitioners(pg, t)
    etag = r.headers["ETag"]
    # a stale version changes nothing: neither the user nor the clinic's row
    stale = t.request("admin", "PATCH", f"/api/v1/users/{uid}",
                      headers={"If-Match": '"999"'}, json={"is_practitioner": False})
    assert_problem(stale, 412)
    assert uid in practitioners(pg, t)
    r = t.request("admin", "PATCH", f"/api/v1/users/{uid}", headers={"If-Match": etag},
                  json={"is_practitioner": False})
    assert r.status_code == 200 and r.json()["is_practitioner"] is False
    assert uid not in practitioners(pg, t)
    assert r.headers["ETag"] != etag  # the user changed: its version too
    # a change of something else leaves it
    r = t.request("admin", "PATCH", f"/api/v1/users/{uid}", json={"full_name": "Lou Locum II"})
    assert r.status_code == 200 and r.json()["is_practitioner"] is False
    # an unknown user: 404, and no row for an id nobody has
    ghost = "00000000-0000-4000-8000-000000000999"
    assert_problem(t.request("admin", "PATCH", f"/api/v1/users/{ghost}",
                             json={"is_practitioner": True}), 404)
    assert ghost not in practitioners(pg, t)


def test_a_failed_create_leaves_no_row(t, pg):
    before = practitioners(pg, t)
    r = t.request("admin", "POST", "/api/v1/users",
                  json={"email": "practitioner@prac-a.test", "full_name": "Twin",
                        "role": "practitioner", "password": "a long enough password 1",
                        "is_practitioner": True})
    assert_problem(r, 409, field="email")
    assert practitioners(pg, t) == before
    r = t.request("admin", "POST", "/api/v1/users",
                  json={"email": "x@prac-a.test", "full_name": "X", "role": "viewer",
                        "password": "a long enough password 1", "is_practitioner": "yes"})
    assert_problem(r, 422, field="is_practitioner")
