"""Security headers: every API answer is no-store (it carries personal and clinical data), no
answer may be framed or run anything (CSP), no Referer leaves, and /docs runs only its own
files. Walks every operation of /openapi.json as an Admin, so a new route is covered too."""
import re
import uuid

from crmtest import Tenant

NO_FRAMES = "frame-ancestors 'none'"


def assert_hardened(r, where):
    assert r.headers.get("Referrer-Policy") == "no-referrer", where
    assert r.headers.get("X-Content-Type-Options") == "nosniff", where
    assert NO_FRAMES in r.headers.get("Content-Security-Policy", ""), where


def test_every_authenticated_answer_is_no_store(server):
    t = Tenant(server, "headers", modules=("clinic",))
    c = t.request("admin", "POST", "/api/v1/contacts",
                  json={"type": "lead", "first_name": "Head", "last_name": "Ers"}).json()
    doc = server.get("/openapi.json").json()
    checked = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or op.get("x-permission") in (None, "public", "platform"):
                continue
            if method != "get":
                continue
            url = re.sub(r"\{[^}]+\}", c["id"] if "contacts" in path else str(uuid.uuid4()),
                         path)
            r = t.request("admin", "GET", url)
            assert r.headers.get("Cache-Control") == "no-store", (path, r.status_code,
                                                                   r.headers)
            assert_hardened(r, path)
            checked += 1
    assert checked >= 25
    # the answers that carry tokens, and errors, too
    r = server.request("POST", "/api/v1/auth/login",
                       json={"tenant": "headers", "email": "admin@headers.test",
                             "password": "wrong-password-123"})
    assert r.headers["Cache-Control"] == "no-store"
    r = server.get("/api/v1/contacts")
    assert r.status_code == 401 and r.headers["Cache-Control"] == "no-store"
    assert_hardened(r, "401")


def test_docs_have_a_content_security_policy_without_inline_script(server):
    r = server.get("/docs")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and NO_FRAMES in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["Referrer-Policy"] == "no-referrer"
    # no inline script in the page: every <script> has a src
    for tag in re.findall(r"<script[^>]*>", r.text):
        assert "src=" in tag, tag
    assert "<script>" not in r.text
    assert server.get("/docs/swagger-initializer.js").status_code == 200


def test_public_answers_keep_their_own_caching(server):
    assert server.get("/openapi.json").headers["Cache-Control"] == "no-cache"
    assert server.get("/docs/swagger-ui.css").headers["Cache-Control"] == "public, max-age=3600"
    assert_hardened(server.get("/healthz"), "/healthz")


def test_strict_transport_security_only_when_the_public_url_is_https(make_cluster, make_server,
                                                                     server):
    assert "Strict-Transport-Security" not in server.get("/healthz").headers
    pg = make_cluster()
    s = make_server(pg, env={"CRM_PUBLIC_URL": "https://crm.example.com"})
    r = s.get("/healthz")
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert s.get("/api/v1/contacts").headers["Strict-Transport-Security"] == "max-age=31536000"
    s.stop()
