"""Refresh-token rotation, reuse detection, logout, and revocation of disabled users and
suspended tenants within the deny list's bound."""
import time

from crmtest import PASSWORD, Tenant, assert_problem, login, platform

BOUND = 1 + 1.5  # CRM_DENYLIST_REFRESH_S of the suite's servers, plus a margin


def refresh(server, token):
    return server.request("POST", "/api/v1/auth/refresh", json={"refresh_token": token})


def me(server, token):
    return server.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_refresh_rotates_and_reuse_revokes_the_family(server, tenants, pg):
    a, _ = tenants
    first = login(server, "alpha", a.email("sales")).json()
    r = refresh(server, first["refresh_token"])
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert me(server, second["access_token"]).json()["role"] == "sales"
    # the spent token again: refused, and the whole session with it
    r = refresh(server, first["refresh_token"])
    assert_problem(r, 401, "already used")
    assert_problem(refresh(server, second["refresh_token"]), 401)
    rows = pg.sql("SELECT count(*) FILTER (WHERE revoked_at IS NULL) FROM refresh_tokens t"
                  f" JOIN users u ON u.tenant_id = t.tenant_id AND u.id = t.user_id"
                  f" WHERE u.email = '{a.email('sales')}' AND t.family_id ="
                  f" (SELECT family_id FROM refresh_tokens WHERE tenant_id = '{a.id}'"
                  f"  ORDER BY created_at DESC LIMIT 1)")
    assert rows == [["0"]]


def test_bad_refresh_tokens_are_401_or_422(server, tenants):
    a, b = tenants
    for token in ["garbage", a.id + ".x", "0" * 80, b.refresh["viewer"].replace(b.id, a.id)]:
        assert_problem(refresh(server, token), 401)
    assert_problem(server.request("POST", "/api/v1/auth/refresh", json={}), 422,
                   field="refresh_token")
    assert_problem(server.request("POST", "/api/v1/auth/refresh", json={"refresh_token": 1}),
                   422, field="refresh_token")


def test_logout_revokes_the_session(server, tenants):
    a, _ = tenants
    pair = login(server, "alpha", a.email("viewer")).json()
    r = server.request("POST", "/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 204 and r.content == b""
    assert_problem(refresh(server, pair["refresh_token"]), 401)
    # unknown tokens: 204 all the same
    r = server.request("POST", "/api/v1/auth/logout", json={"refresh_token": "nonsense"})
    assert r.status_code == 204


def test_disabled_user_is_stopped_everywhere_within_the_bound(server, tenants):
    t = Tenant(server, "eta")
    victim = t.sign_in("sales")
    assert me(server, victim["access_token"]).status_code == 200
    r = t.request("admin", "PATCH", f"/api/v1/users/{t.users['sales']}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    time.sleep(BOUND)
    assert_problem(me(server, victim["access_token"]), 401, "revoked")
    assert_problem(refresh(server, victim["refresh_token"]), 401)
    assert_problem(login(server, "eta", t.email("sales")), 401)
    # enabled again, the user signs in afresh
    t.request("admin", "PATCH", f"/api/v1/users/{t.users['sales']}", json={"active": True})
    time.sleep(1.1)
    assert me(server, t.sign_in("sales")["access_token"]).status_code == 200


def test_role_change_refuses_tokens_issued_before_it(server, tenants):
    t = Tenant(server, "theta")
    old = t.sign_in("viewer")["access_token"]
    time.sleep(1.1)  # token times have one-second resolution
    r = t.request("admin", "PATCH", f"/api/v1/users/{t.users['viewer']}", json={"role": "sales"})
    assert r.status_code == 200 and r.json()["role"] == "sales"
    time.sleep(BOUND)
    assert_problem(me(server, old), 401)
    time.sleep(1.1)
    fresh = t.sign_in("viewer")["access_token"]
    assert me(server, fresh).json()["role"] == "sales"


def test_suspended_tenant_is_stopped_within_the_bound(server):
    t = Tenant(server, "iota")
    pair = t.sign_in("receptionist")
    r = platform(server, "PATCH", "/platform/v1/tenants/iota", json={"status": "suspended"})
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    time.sleep(BOUND)
    assert_problem(me(server, pair["access_token"]), 401, "revoked")
    assert_problem(refresh(server, pair["refresh_token"]), 401)
    assert_problem(login(server, "iota", t.email("admin")), 401)
    platform(server, "PATCH", "/platform/v1/tenants/iota", json={"status": "active"})
    time.sleep(BOUND)
    assert login(server, "iota", t.email("admin"), PASSWORD).status_code == 200
