"""The platform API: provisioning tenants with the platform key, and only with it."""
from crmtest import PASSWORD, PLATFORM_KEY, assert_problem, login, platform


def new_tenant(server, name_slug, **over):
    body = {"name": f"Clinic {name_slug}", "slug": name_slug,
            "admin_email": f"boss@{name_slug}.test", "admin_password": PASSWORD}
    body.update(over)
    return platform(server, "POST", "/platform/v1/tenants", json=body)


def test_create_tenant_with_its_admin(server, pg):
    r = new_tenant(server, "gamma", modules=["testkit"], time_zone="America/New_York",
                   default_country="US", admin_full_name="Gina Gamma")
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["slug"] == "gamma" and t["name"] == "Clinic gamma" and t["status"] == "active"
    assert t["time_zone"] == "America/New_York" and t["default_country"] == "US"
    assert t["modules"] == ["testkit"]
    assert r.headers["Location"] == f"/platform/v1/tenants/{t['id']}"
    rows = pg.sql(f"SELECT email, role, full_name FROM users WHERE tenant_id = '{t['id']}'")
    assert rows == [["boss@gamma.test", "admin", "Gina Gamma"]]
    assert login(server, "gamma", "boss@gamma.test").status_code == 200
    assert platform(server, "GET", "/platform/v1/tenants/gamma").json()["id"] == t["id"]


def test_create_tenant_defaults(server):
    t = new_tenant(server, "delta").json()
    assert t["time_zone"] == "UTC" and t["default_country"] == "US" and t["modules"] == []


def test_duplicate_slug_is_409(server, pg):
    assert new_tenant(server, "epsilon").status_code == 201
    r = new_tenant(server, "epsilon", admin_email="other@x.test")
    assert_problem(r, 409, field="slug")
    assert pg.sql("SELECT count(*) FROM tenants WHERE slug = 'epsilon'") == [["1"]]


def test_invalid_tenants_are_422_naming_the_field(server, pg):
    cases = [
        ({"slug": "Has Caps"}, "slug"),
        ({"slug": "-edge"}, "slug"),
        ({"name": 42}, "name"),
        ({"modules": ["nope"]}, "modules"),
        ({"modules": "clinic"}, "modules"),
        ({"admin_password": "short"}, "admin_password"),
        ({"admin_password": "my-Clinic zeta-name"}, "admin_password"),
        ({"admin_password": "boss@zeta.test-long-enough"}, "admin_password"),
        ({"admin_email": "no-at-sign"}, "admin_email"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"default_country": "gb"}, "default_country"),
        ({"colour": "red"}, "colour"),
        ({"tenant_id": "x"}, "tenant_id"),
    ]
    for over, field in cases:
        r = new_tenant(server, "zeta", **over)
        assert_problem(r, 422, field=field)
    for missing in ["name", "slug", "admin_email", "admin_password"]:
        body = {"name": "Z", "slug": "zeta", "admin_email": "a@z.test", "admin_password": PASSWORD}
        del body[missing]
        assert_problem(platform(server, "POST", "/platform/v1/tenants", json=body), 422,
                       field=missing)
    assert pg.sql("SELECT count(*) FROM tenants WHERE slug = 'zeta'") == [["0"]]


def test_platform_routes_need_the_platform_key(server, tenants):
    a, _ = tenants
    r = server.get("/platform/v1/tenants")
    assert_problem(r, 401)
    assert r.headers["WWW-Authenticate"] == "Bearer"
    r = server.get("/platform/v1/tenants", headers={"Authorization": "Bearer " + "x" * 40})
    assert_problem(r, 401, "platform key")
    r = server.get("/platform/v1/tenants",
                   headers={"Authorization": f"Bearer {a.tokens['admin']}"})
    assert_problem(r, 401)
    # and the platform key is no access token
    r = server.get("/api/v1/me", headers={"Authorization": f"Bearer {PLATFORM_KEY}"})
    assert_problem(r, 401)


def test_list_tenants_pages_with_a_cursor(server, tenants):
    seen, cursor = [], None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        r = platform(server, "GET", "/platform/v1/tenants", params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["data"]) <= 2
        seen += [t["slug"] for t in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert {"alpha", "beta"} <= set(seen)
    assert len(seen) == len(set(seen))
    assert_problem(platform(server, "GET", "/platform/v1/tenants", params={"limit": "0"}), 400,
                   field="query.limit")
    assert_problem(platform(server, "GET", "/platform/v1/tenants", params={"cursor": "zzz"}),
                   400, field="query.cursor")


def test_unknown_tenant_is_404(server):
    assert_problem(platform(server, "GET", "/platform/v1/tenants/no-such-slug"), 404)
    r = platform(server, "PATCH", "/platform/v1/tenants/no-such-slug", json={"status": "active"})
    assert_problem(r, 404)
    r = platform(server, "PATCH", "/platform/v1/tenants/alpha", json={"status": "gone"})
    assert_problem(r, 422, field="status")


def test_platform_api_is_absent_without_a_key(pg, make_server):
    s = make_server(pg, env={"CRM_PLATFORM_KEY": None})
    assert_problem(s.get("/platform/v1/tenants",
                         headers={"Authorization": f"Bearer {PLATFORM_KEY}"}), 404)
    s.stop()
