"""Security events in the audit log: sign-ins, refresh-token reuse, revoked tokens, denied
permissions and platform calls, each in the log of the tenant it concerns and no other."""
import json
import time

import pytest

from audittest import Mark
from crmtest import PASSWORD, Tenant, assert_problem, login, platform


@pytest.fixture(scope="module")
def t(server):
    return Tenant(server, "sec-a")


@pytest.fixture(scope="module")
def other(server):
    return Tenant(server, "sec-b")


def events(pg, tenant, event=None, since=None):
    rows = pg.sql("SELECT coalesce(json_agg(json_build_object('id', id, 'event', entity_id,"
                  " 'actor_id', actor_id, 'actor', actor, 'changes', changes, 'client_ip',"
                  " client_ip, 'user_agent', user_agent) ORDER BY id), '[]') FROM audit_log"
                  f" WHERE tenant_id = '{tenant.id}' AND action = 'security'"
                  f" AND id > {since.of(tenant.id) if since else 0}"
                  + (f" AND entity_id = '{event}'" if event else ""))
    return json.loads(rows[0][0])


def last_id(pg):
    return Mark(pg)


def test_sign_ins_succeeded_and_failed(server, pg, t, other):
    mark = last_id(pg)
    r = server.request("POST", "/api/v1/auth/login", headers={"User-Agent": "desk/2"},
                       json={"tenant": t.slug, "email": t.email("sales"), "password": PASSWORD})
    assert r.status_code == 200
    ok = events(pg, t, "login_succeeded", mark)
    assert len(ok) == 1
    assert ok[0]["actor_id"] == t.users["sales"] and ok[0]["user_agent"] == "desk/2"
    assert ok[0]["changes"] == {"email": t.email("sales")} and ok[0]["client_ip"]
    for email, password, reason in [(t.email("sales"), "wrong-password-123", "wrong_password"),
                                    ("nobody@sec-a.test", PASSWORD, "unknown_user")]:
        assert_problem(login(server, t.slug, email, password), 401)
        failed = events(pg, t, "login_failed", mark)[-1]
        # an email the tenant does not know is not recorded (test_6250)
        assert failed["changes"] == ({"email": email, "reason": reason}
                                     if reason != "unknown_user" else {"reason": reason})
        assert failed["actor_id"] is None and failed["actor"] == "anonymous"
    # the password tried is never recorded
    assert "wrong-password-123" not in json.dumps(events(pg, t, since=mark))
    # an unknown tenant has no log to write to; other tenants learn nothing
    assert_problem(login(server, "no-such-clinic", t.email("sales")), 401)
    assert events(pg, other, since=mark) == []


def test_refresh_token_reuse_is_recorded(server, pg, t):
    mark = last_id(pg)
    first = t.sign_in("viewer")["refresh_token"]
    assert server.request("POST", "/api/v1/auth/refresh",
                          json={"refresh_token": first}).status_code == 200
    assert_problem(server.request("POST", "/api/v1/auth/refresh",
                                  json={"refresh_token": first}), 401)
    reused = events(pg, t, "refresh_token_reused", mark)
    assert len(reused) == 1 and reused[0]["actor_id"] == t.users["viewer"]
    t.sign_in("viewer")


def test_permission_denied_is_recorded_with_the_route(server, pg, t):
    mark = last_id(pg)
    assert_problem(t.request("viewer", "GET", "/api/v1/audit"), 403)
    denied = events(pg, t, "permission_denied", mark)
    assert len(denied) == 1
    assert denied[0]["actor_id"] == t.users["viewer"]
    assert denied[0]["changes"] == {"permission": "audit.read", "role": "viewer",
                                    "route": "/api/v1/audit"}


def test_a_revoked_token_is_recorded_but_a_forged_one_is_not_trusted(server, pg, t):
    r = t.request("admin", "POST", "/api/v1/users",
                  json={"email": "leaver@sec-a.test", "full_name": "Leaver", "role": "sales",
                        "password": PASSWORD})
    assert r.status_code == 201
    uid = r.json()["id"]
    token = login(server, t.slug, "leaver@sec-a.test").json()["access_token"]
    time.sleep(1.1)  # a token issued in the same second as the change would still pass
    assert t.request("admin", "PATCH", f"/api/v1/users/{uid}", headers={"If-Match": '"1"'},
                     json={"active": False}).status_code == 200
    mark = last_id(pg)
    deadline = time.time() + 10
    while time.time() < deadline:  # the deny list reloads every second in the suite
        r = server.get("/api/v1/contacts", headers={"Authorization": f"Bearer {token}"})
        if r.status_code == 401:
            break
        time.sleep(0.2)
    assert_problem(r, 401)
    revoked = events(pg, t, "token_revoked", mark)
    assert revoked and revoked[-1]["changes"] == {"user_id": uid}
    # a token whose signature fails names a tenant nobody can vouch for: server log only
    head, claims, sig = t.tokens["admin"].split(".")
    forged = f"{head}.{claims}.{sig[:-4]}AAAA"
    mark = last_id(pg)
    assert_problem(server.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}), 401)
    assert events(pg, t, since=mark) == []


def test_platform_calls_about_a_tenant_land_in_its_log(server, pg, t, other):
    mark = last_id(pg)
    assert platform(server, "GET", f"/platform/v1/tenants/{t.slug}").status_code == 200
    calls = events(pg, t, "platform_call", mark)
    assert len(calls) == 1 and calls[0]["actor"] == "platform" and calls[0]["actor_id"] is None
    assert calls[0]["changes"] == {"method": "GET", "path": f"/platform/v1/tenants/{t.slug}"}
    assert platform(server, "PATCH", f"/platform/v1/tenants/{other.id}",
                    json={"status": "suspended"}).status_code == 200
    assert platform(server, "PATCH", f"/platform/v1/tenants/{other.id}",
                    json={"status": "active"}).status_code == 200
    changes = pg.sql(f"SELECT action, entity_type, actor, changes->'status'->>'after'"
                     f" FROM audit_log WHERE tenant_id = '{other.id}' AND id > {mark.of(other.id)}"
                     " AND entity_type = 'tenants' ORDER BY id")
    assert changes == [["update", "tenants", "platform", "suspended"],
                       ["update", "tenants", "platform", "active"]]
    assert len(events(pg, other, "platform_call", mark)) == 2
    assert events(pg, t, since=mark) == calls
    # a call naming no tenant, or one that does not exist, writes nothing anywhere
    mark = last_id(pg)
    assert platform(server, "GET", "/platform/v1/tenants").status_code == 200
    assert_problem(platform(server, "GET", "/platform/v1/tenants/no-such"), 404)
    assert last_id(pg) == mark


def test_auditors_read_security_events_through_the_api(server, pg, t):
    r = t.request("auditor", "GET", "/api/v1/audit", params={"action": "security"})
    assert r.status_code == 200
    names = {e["entity_id"] for e in r.json()["data"]}
    assert {"login_succeeded", "login_failed", "permission_denied"} <= names
