"""Browser sessions: login with "session": "cookie" keeps the refresh token in an HttpOnly,
SameSite=Strict cookie scoped to /api/v1/auth (Secure unless the public URL is plain http on
this machine); refresh and logout without a body use that cookie, only with X-CRM-CSRF: 1;
rotation and reuse detection work as for tokens in the body."""
import re

import requests

from crmtest import PASSWORD, assert_problem, platform

CSRF = {"X-CRM-CSRF": "1"}
TOKEN = r"[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}"


def new_tenant(s, slug):
    r = platform(s, "POST", "/platform/v1/tenants",
                 json={"name": slug.title(), "slug": slug, "admin_email": f"a@{slug}.test",
                       "admin_password": PASSWORD})
    assert r.status_code == 201, r.text
    return r.json()["id"]


# Plain requests (not the server's shared session): no cookie jar, each cookie sent by hand.
def post(s, path, cookie=None, headers=None, **kw):
    h = dict(headers or {})
    if cookie is not None:
        h["Cookie"] = f"crm_refresh={cookie}"
    return requests.post(s.url(path), headers=h, timeout=30, **kw)


def cookie_login(s, slug, session="cookie"):
    return post(s, "/api/v1/auth/login",
                json={"tenant": slug, "email": f"a@{slug}.test", "password": PASSWORD,
                      "session": session})


def set_cookie(resp, secure=False, max_age=2592000):
    """The one Set-Cookie of resp, checked flag by flag; returns the token it sets."""
    raw = resp.headers.get("Set-Cookie")
    assert raw is not None, resp.headers
    assert "," not in raw, raw  # exactly one cookie
    m = re.fullmatch(r"crm_refresh=([^;]*); HttpOnly; SameSite=Strict; Path=/api/v1/auth;"
                     r" Max-Age=(\d+)(; Secure)?", raw)
    assert m, raw
    assert int(m.group(2)) == max_age, raw
    assert bool(m.group(3)) == secure, raw
    return m.group(1)


def me(s, access):
    return requests.get(s.url("/api/v1/me"), headers={"Authorization": f"Bearer {access}"},
                        timeout=30)


def test_cookie_login_sets_only_the_cookie(server):
    new_tenant(server, "cookie-login")
    r = cookie_login(server, "cookie-login")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert r.headers["Cache-Control"] == "no-store"
    token = set_cookie(r)  # the suite's server: public URL http://127.0.0.1:port, no Secure
    assert re.fullmatch(TOKEN, token)
    assert me(server, body["access_token"]).json()["email"] == "a@cookie-login.test"
    # the default ("body", also when null) keeps the pair in the body, without a cookie
    for session in ("body", None, "absent"):
        payload = {"tenant": "cookie-login", "email": "a@cookie-login.test",
                   "password": PASSWORD}
        if session != "absent":
            payload["session"] = session
        r = post(server, "/api/v1/auth/login", json=payload)
        assert r.status_code == 200, r.text
        assert re.fullmatch(TOKEN, r.json()["refresh_token"])
        assert "Set-Cookie" not in r.headers


def test_bad_session_values_are_refused_naming_the_field(server):
    new_tenant(server, "cookie-bad")
    for value in ("Cookie", "header", "", 1, True, ["cookie"], {"kind": "cookie"}):
        r = cookie_login(server, "cookie-bad", session=value)
        body = assert_problem(r, 422, field="session")
        assert "Set-Cookie" not in r.headers, body


def test_refresh_by_cookie_rotates_and_reuse_revokes_the_session(server, pg):
    tid = new_tenant(server, "cookie-rotate")
    first = set_cookie(cookie_login(server, "cookie-rotate"))
    r = post(server, "/api/v1/auth/refresh", cookie=first, headers=CSRF)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"access_token", "token_type", "expires_in"}
    second = set_cookie(r)
    assert second != first and re.fullmatch(TOKEN, second)
    assert me(server, r.json()["access_token"]).status_code == 200
    # the rotated-out cookie again: refused, the cookie cleared, and the whole session revoked
    r = post(server, "/api/v1/auth/refresh", cookie=first, headers=CSRF)
    assert_problem(r, 401, "already used")
    assert set_cookie(r, max_age=0) == ""
    r = post(server, "/api/v1/auth/refresh", cookie=second, headers=CSRF)
    assert_problem(r, 401)
    rows = pg.sql("SELECT count(*), count(*) FILTER (WHERE revoked_at IS NULL)"
                  f" FROM refresh_tokens WHERE tenant_id = '{tid}'")
    assert rows == [["2", "0"]]


def test_a_body_token_and_a_cookie_token_are_one_kind(server):
    """A cookie session's token is also accepted in the body, and reuse there revokes it."""
    new_tenant(server, "cookie-mixed")
    first = set_cookie(cookie_login(server, "cookie-mixed"))
    r = post(server, "/api/v1/auth/refresh", json={"refresh_token": first})
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
    second = r.json()["refresh_token"]
    assert_problem(post(server, "/api/v1/auth/refresh", cookie=first, headers=CSRF), 401,
                   "already used")
    assert_problem(post(server, "/api/v1/auth/refresh", json={"refresh_token": second}), 401)


def test_cookie_requests_need_the_csrf_header(server):
    new_tenant(server, "cookie-csrf")
    token = set_cookie(cookie_login(server, "cookie-csrf"))
    for path in ("/api/v1/auth/refresh", "/api/v1/auth/logout"):
        for headers in ({}, {"X-CRM-CSRF": "0"}, {"X-CRM-CSRF": "true"}, {"X-CRM-CSRF": ""}):
            r = post(server, path, cookie=token, headers=headers)
            assert_problem(r, 403, "X-CRM-CSRF: 1")
            assert "Set-Cookie" not in r.headers
    # a form's body and type (what a cross-site page can send) gets no further
    r = post(server, "/api/v1/auth/refresh", cookie=token, data=b"a=1",
             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(r, 415)
    # none of that spent or revoked the session
    r = post(server, "/api/v1/auth/refresh", cookie=token, headers=CSRF)
    assert r.status_code == 200, r.text
    set_cookie(r)


def test_bodies_without_a_cookie_or_type(server):
    new_tenant(server, "cookie-none")
    token = set_cookie(cookie_login(server, "cookie-none"))
    # no body and no cookie: 401 naming the cookie
    r = post(server, "/api/v1/auth/refresh", headers=CSRF)
    assert_problem(r, 401, "crm_refresh")
    # an empty body labelled JSON is no body
    r = post(server, "/api/v1/auth/refresh", cookie=token, data=b"",
             headers={**CSRF, "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    token = set_cookie(r)
    # a body without its type is refused, not read
    r = post(server, "/api/v1/auth/refresh", cookie=token, headers=CSRF,
             data=f'{{"refresh_token": "{token}"}}'.encode())
    assert_problem(r, 415)
    # an empty JSON object is a body: the field is missing, the cookie is not looked at
    r = post(server, "/api/v1/auth/refresh", cookie=token, headers=CSRF, json={})
    assert_problem(r, 422, field="refresh_token")
    assert post(server, "/api/v1/auth/refresh", cookie=token, headers=CSRF).status_code == 200


def test_logout_by_cookie_revokes_and_clears(server, pg):
    tid = new_tenant(server, "cookie-out")
    token = set_cookie(cookie_login(server, "cookie-out"))
    r = post(server, "/api/v1/auth/logout", cookie=token, headers=CSRF)
    assert r.status_code == 204 and r.content == b""
    assert set_cookie(r, max_age=0) == ""
    assert pg.sql(f"SELECT count(*) FILTER (WHERE revoked_at IS NULL) FROM refresh_tokens"
                  f" WHERE tenant_id = '{tid}'") == [["0"]]
    r = post(server, "/api/v1/auth/refresh", cookie=token, headers=CSRF)
    assert_problem(r, 401)
    # no cookie at all: still 204, and the browser told to forget any
    r = post(server, "/api/v1/auth/logout", headers=CSRF)
    assert r.status_code == 204
    assert set_cookie(r, max_age=0) == ""


def test_no_cross_site_page_may_read_the_answers(server):
    new_tenant(server, "cookie-cors")
    evil = {"Origin": "https://evil.example"}
    r = post(server, "/api/v1/auth/login", headers=evil,
             json={"tenant": "cookie-cors", "email": "a@cookie-cors.test",
                   "password": PASSWORD, "session": "cookie"})
    assert r.status_code == 200
    token = set_cookie(r)
    r2 = post(server, "/api/v1/auth/refresh", cookie=token, headers={**evil, **CSRF})
    preflight = requests.options(server.url("/api/v1/auth/refresh"), timeout=30,
                                 headers={**evil, "Access-Control-Request-Method": "POST",
                                          "Access-Control-Request-Headers": "x-crm-csrf"})
    for resp in (r, r2, preflight):
        assert not [h for h in resp.headers if h.lower().startswith("access-control-")]
    assert preflight.status_code in (404, 405)


def test_secure_flag_and_max_age_follow_the_configuration(pg, make_server):
    cases = [("https://crm.example.com", True), ("http://crm.example.com", True),
             ("http://192.0.2.4:8080", True), ("http://localhost:5173", False),
             ("http://127.0.0.1", False)]
    for i, (url, secure) in enumerate(cases):
        s = make_server(pg, env={"CRM_PUBLIC_URL": url, "CRM_REFRESH_TOKEN_TTL_S": "4321"})
        slug = f"cookie-secure-{i}"
        new_tenant(s, slug)
        r = cookie_login(s, slug)
        assert r.status_code == 200, r.text
        token = set_cookie(r, secure=secure, max_age=4321)
        r = post(s, "/api/v1/auth/refresh", cookie=token, headers=CSRF)
        token = set_cookie(r, secure=secure, max_age=4321)
        r = post(s, "/api/v1/auth/logout", cookie=token, headers=CSRF)
        assert set_cookie(r, secure=secure, max_age=0) == ""
        s.stop()
