"""What an unauthenticated client can put into a tenant's permanent audit log: no text of its
choosing (an email only when it names one of the tenant's users, a User-Agent cut to 256
bytes), and no more than CRM_SECURITY_EVENTS_PER_MINUTE rows per tenant and client address."""
import json
import re

import pytest

from audittest import Mark
from crmtest import PASSWORD, Tenant, login, platform


@pytest.fixture(scope="module")
def t(server):
    return Tenant(server, "sec-bounds")


def failed_rows(pg, tenant_id, since):
    rows = pg.sql("SELECT coalesce(json_agg(json_build_object('changes', changes, 'client_ip',"
                  " client_ip, 'user_agent', user_agent) ORDER BY id), '[]') FROM audit_log"
                  f" WHERE tenant_id = '{tenant_id}' AND entity_id = 'login_failed'"
                  f" AND id > {since.of(tenant_id)}")
    return json.loads(rows[0][0])


def last_id(pg):
    return Mark(pg)


def test_login_failed_records_only_emails_the_tenant_knows(server, pg, t):
    mark = last_id(pg)
    marker = "<script>alert(1)</script>@mallory.example"
    r = login(server, t.slug, marker, "whatever-password-1")
    assert r.status_code == 401
    assert failed_rows(pg, t.id, mark) == [
        {"changes": {"reason": "unknown_user"}, "client_ip": "127.0.0.1", "user_agent":
         r.request.headers["User-Agent"]}]
    assert pg.sql(f"SELECT count(*) FROM audit_log WHERE {mark.newer()}"
                  " AND changes::text LIKE '%mallory%'") == [["0"]]
    # a user's email is recorded as the tenant has it, whatever case was typed
    assert login(server, t.slug, t.email("sales").upper(), "wrong-password-123").status_code == 401
    assert failed_rows(pg, t.id, mark)[-1]["changes"] == {"email": t.email("sales"),
                                                          "reason": "wrong_password"}


def test_user_agent_is_cut_to_256_bytes_of_valid_utf8(server, pg, t):
    mark = last_id(pg)
    for ua in [b"x" * 1000, b"a" * 255 + "\u00e9".encode() + b"tail"]:
        r = server.request("POST", "/api/v1/auth/login", headers={"User-Agent": ua},
                           json={"tenant": t.slug, "email": t.email("viewer"),
                                 "password": "wrong-password-123"})
        assert r.status_code == 401
    got = [row["user_agent"] for row in failed_rows(pg, t.id, mark)]
    assert got == ["x" * 256, "a" * 255]  # never half a character


def metric(s, name):
    m = re.search(rf"^{name} (\d+)$", s.get("/metrics").text, re.M)
    return int(m.group(1))


def test_security_rows_are_bounded_per_tenant_and_client(pg, make_server):
    s = make_server(pg, env={"CRM_SECURITY_EVENTS_PER_MINUTE": "3",
                             "CRM_TRUSTED_PROXIES": "127.0.0.1"})
    ids = {}
    for slug in ("bound-a", "bound-b"):
        r = platform(s, "POST", "/platform/v1/tenants",
                     json={"name": slug, "slug": slug, "admin_email": f"a@{slug}.test",
                           "admin_password": PASSWORD})
        ids[slug] = r.json()["id"]
    mark = last_id(pg)
    assert metric(s, "crm_security_events_suppressed_total") == 0

    def fail(slug, client, n):
        for i in range(n):  # another unknown email each time: no account throttling
            r = s.request("POST", "/api/v1/auth/login", headers={"X-Forwarded-For": client},
                          json={"tenant": slug, "email": f"u{i}@{client}.test",
                                "password": "whatever-password-1"})
            assert r.status_code == 401

    fail("bound-a", "198.51.100.20", 7)
    rows = failed_rows(pg, ids["bound-a"], mark)
    assert [r["client_ip"] for r in rows] == ["198.51.100.20"] * 3
    assert metric(s, "crm_security_events_suppressed_total") == 4
    # another client of the same tenant, and another tenant from the same client, have their own
    fail("bound-a", "198.51.100.21", 1)
    fail("bound-b", "198.51.100.20", 1)
    assert len(failed_rows(pg, ids["bound-a"], mark)) == 4
    assert len(failed_rows(pg, ids["bound-b"], mark)) == 1
    log = s.stop()
    assert "not written to the audit log of tenant " + ids["bound-a"] in log
    assert "(4 beyond it so far)" in log  # the 1st, 2nd and 4th beyond are logged
    assert log.count('\\"reason\\":\\"unknown_user\\"') == 9  # every event, in the server log
