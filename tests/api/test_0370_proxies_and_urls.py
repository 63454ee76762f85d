"""Behind a proxy: X-Forwarded-For and X-Forwarded-Proto believed only from CRM_TRUSTED_PROXIES
(for throttling, logs and the audit log's client_ip); absolute URLs from CRM_PUBLIC_URL, never
from the request's Host header."""
import http.client
import json
import subprocess

import pytest

from crmtest import CRM, PASSWORD, Tenant, login, platform

EVIL = "evil.example"


def failed_login_ips(pg, slug, email):
    """client_ip of the tenant's login_failed rows for email, oldest first."""
    rows = pg.sql("SELECT l.client_ip FROM audit_log l JOIN tenants t ON t.id = l.tenant_id"
                  f" WHERE t.slug = '{slug}' AND l.entity_id = 'login_failed'"
                  f" AND l.changes->>'email' = '{email}' ORDER BY l.id")
    return [r[0] for r in rows]


def new_tenant(s, slug):
    r = platform(s, "POST", "/platform/v1/tenants",
                 json={"name": slug.title(), "slug": slug, "admin_email": f"a@{slug}.test",
                       "admin_password": PASSWORD})
    assert r.status_code == 201, r.text


def wrong_login(s, slug, xff=None, email=None):
    headers = {"X-Forwarded-For": xff} if xff else {}
    return s.request("POST", "/api/v1/auth/login", headers=headers,
                     json={"tenant": slug, "email": email or f"a@{slug}.test",
                           "password": "not-the-password"}).status_code


def test_forwarded_for_from_an_untrusted_peer_is_ignored(pg, make_server):
    s = make_server(pg, env={"CRM_LOGIN_IP_MAX": "3"})  # no CRM_TRUSTED_PROXIES
    new_tenant(s, "fwd-none")
    # every attempt counts against the real peer, whatever the header claims
    codes = [wrong_login(s, "fwd-none", xff=f"198.51.100.{i}") for i in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    assert failed_login_ips(pg, "fwd-none", "a@fwd-none.test") == ["127.0.0.1"] * 3
    s.stop()


def test_forwarded_for_from_a_trusted_proxy_names_the_client(pg, make_server):
    s = make_server(pg, env={"CRM_TRUSTED_PROXIES": "127.0.0.1/32, 10.0.0.0/8",
                             "CRM_LOGIN_IP_MAX": "3"})
    new_tenant(s, "fwd-trust")
    slug, email = "fwd-trust", "a@fwd-trust.test"
    # a client's own entries left of the proxy's are ignored; trusted hops are walked through
    assert wrong_login(s, slug, xff="6.6.6.6, 198.51.100.7, 10.1.2.3") == 401
    assert failed_login_ips(pg, slug, email)[-1] == "198.51.100.7"
    # a client that sends its own header line: the proxy's line, after it, still counts
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    body = json.dumps({"tenant": slug, "email": email, "password": "not-the-password"})
    conn.putrequest("POST", "/api/v1/auth/login")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(len(body)))
    conn.putheader("X-Forwarded-For", "6.6.6.6")
    conn.putheader("X-Forwarded-For", "198.51.100.8")
    conn.endheaders(body.encode())
    assert conn.getresponse().status == 401
    conn.close()
    assert failed_login_ips(pg, slug, email)[-1] == "198.51.100.8"
    # throttling is per client, not per proxy: 3 from one client, then 429 for it alone
    codes = [wrong_login(s, slug, xff="203.0.113.9", email=f"u{i}@x.test") for i in range(4)]
    assert codes == [401, 401, 401, 429]
    assert wrong_login(s, slug, xff="203.0.113.10", email="v@x.test") == 401
    assert "X-Forwarded-For and X-Forwarded-Proto believed from 127.0.0.1/32" in s.stop()


def test_ipv6_clients_are_throttled_by_their_64(pg, make_server):
    s = make_server(pg, env={"CRM_TRUSTED_PROXIES": "127.0.0.1", "CRM_LOGIN_IP_MAX": "3"})
    same_64 = [f"2001:db8:1:2::{i:x}" for i in range(1, 5)]
    codes = [wrong_login(s, "nope", xff=ip, email=f"u{i}@x.test") for i, ip in enumerate(same_64)]
    assert codes == [401, 401, 401, 429]
    assert wrong_login(s, "nope", xff="2001:db8:1:2:ffff:ffff:ffff:ffff") == 429
    assert wrong_login(s, "nope", xff="2001:db8:1:3::1") == 401  # the next /64
    # an IPv4-mapped address is the IPv4 client
    for i in range(3):
        assert wrong_login(s, "nope", xff="192.0.2.44", email=f"w{i}@x.test") == 401
    assert wrong_login(s, "nope", xff="::ffff:192.0.2.44") == 429
    s.stop()


def test_bad_proxy_and_url_settings_exit_2_naming_the_variable():
    cases = [
        ("CRM_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("CRM_TRUSTED_PROXIES", "10.0.0.1/8"),
        ("CRM_TRUSTED_PROXIES", "proxy.internal"),
        ("CRM_PUBLIC_URL", "crm.example.com"),
        ("CRM_PUBLIC_URL", "https://crm.example.com/app"),
        ("CRM_PUBLIC_URL", "https://crm.example.com?x=1"),
        ("CRM_PUBLIC_URL", "ftp://crm.example.com"),
        ("CRM_PUBLIC_URL", "https://crm.example.com:99999"),
        ("CRM_SECURITY_EVENTS_PER_MINUTE", "0"),
    ]
    for name, value in cases:
        env = {"CRM_DATABASE_URL": "x", "CRM_JWT_KEYS": "k.json", name: value}
        out = subprocess.run([CRM, "serve"], capture_output=True, text=True, env=env, timeout=10)
        assert out.returncode == 2, (name, value, out.stderr)
        assert name in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


@pytest.fixture(scope="module")
def clinic(server):
    t = Tenant(server, "urls-a")
    t.request("admin", "PUT", "/api/v1/modules/clinic", json={"enabled": True})
    patient = t.request("receptionist", "POST", "/api/v1/contacts",
                        json={"type": "patient", "last_name": "Url"}).json()["id"]
    for day in (1, 2):
        r = t.request("receptionist", "POST", "/api/v1/appointments", json={
            "patient_id": patient, "practitioner_id": t.users["practitioner"],
            "appointment_time": f"2027-07-0{day}T09:00:00+01:00", "duration_minutes": 30})
        assert r.status_code == 201, r.text
    return t


def fhir_page(t, headers=None):
    r = t.request("practitioner", "GET", "/fhir/R4/Appointment", params={"_count": "1"},
                  headers=headers or {})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.clinic
def test_absolute_urls_never_come_from_the_host_header(server, clinic):
    # unset CRM_PUBLIC_URL: http://<listen address>:<port>, whatever Host says
    base = f"http://127.0.0.1:{server.port}"
    page = fhir_page(clinic, {"Host": EVIL, "X-Forwarded-Proto": "https"})
    assert EVIL not in json.dumps(page)
    assert page["entry"][0]["fullUrl"].startswith(base + "/fhir/R4/Appointment/")
    nxt = [link["url"] for link in page["link"] if link["relation"] == "next"]
    assert len(nxt) == 1 and nxt[0].startswith(base + "/fhir/R4/Appointment?")
    r = clinic.request("practitioner", "POST",
                       f"/api/v1/practitioners/{clinic.users['practitioner']}/calendar-token",
                       headers={"Host": EVIL})
    assert r.status_code == 201, r.text
    assert EVIL not in r.text
    assert r.json()["url"] == base + r.json()["path"]
    assert server.get(r.json()["path"]).status_code == 200


@pytest.mark.clinic
def test_absolute_urls_start_with_the_public_url(pg, make_server, clinic):
    s = make_server(pg, env={"CRM_PUBLIC_URL": "https://crm.example.com/"})
    r = login(s, clinic.slug, clinic.email("practitioner"))
    headers = {"Authorization": f"Bearer {r.json()['access_token']}", "Host": EVIL}
    page = s.get("/fhir/R4/Appointment", params={"_count": "1"}, headers=headers).json()
    assert page["entry"][0]["fullUrl"].startswith("https://crm.example.com/fhir/R4/Appointment/")
    assert [link["url"].startswith("https://crm.example.com/fhir/R4/Appointment?")
            for link in page["link"]] == [True]
    r = s.request("POST", f"/api/v1/practitioners/{clinic.users['practitioner']}/calendar-token",
                  headers=headers)
    assert r.json()["url"] == "https://crm.example.com" + r.json()["path"]
    assert "public URL https://crm.example.com" in s.stop()
