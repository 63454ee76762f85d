"""Industry modules per tenant: listing, enabling and disabling; a disabled module's routes
answer 404 for that tenant and its permissions leave /me."""
from crmtest import PASSWORD, Tenant, assert_problem, platform


def test_modules_can_be_enabled_and_disabled(server):
    t = Tenant(server, "mods-a")
    listed = t.request("viewer", "GET", "/api/v1/modules").json()["data"]
    assert any(m["name"] == "testkit" and m["enabled"] is False and m["description"]
               for m in listed)
    assert all(m["name"] != "crm" for m in listed)
    # disabled: the module's route is 404 for this tenant, and /me lacks its permission
    assert_problem(t.request("receptionist", "GET", "/testkit/protected"), 404)
    assert "testkit.read" not in t.request("receptionist", "GET", "/api/v1/me").json()["permissions"]
    r = t.request("admin", "PUT", "/api/v1/modules/testkit", json={"enabled": True})
    assert r.status_code == 200 and r.json() == {"name": "testkit", "enabled": True}
    assert t.request("receptionist", "GET", "/testkit/protected").status_code == 200
    assert "testkit.read" in t.request("receptionist", "GET", "/api/v1/me").json()["permissions"]
    assert any(m["name"] == "testkit" and m["enabled"]
               for m in t.request("viewer", "GET", "/api/v1/modules").json()["data"])
    # roles still apply inside an enabled module
    assert_problem(t.request("sales", "GET", "/testkit/protected"), 403)
    r = t.request("admin", "PUT", "/api/v1/modules/testkit", json={"enabled": False})
    assert r.status_code == 200
    assert_problem(t.request("receptionist", "GET", "/testkit/protected"), 404)


def test_module_changes_are_validated_and_admin_only(server):
    t = Tenant(server, "mods-b")
    assert_problem(t.request("receptionist", "PUT", "/api/v1/modules/testkit",
                             json={"enabled": True}), 403)
    assert_problem(t.request("admin", "PUT", "/api/v1/modules/nope", json={"enabled": True}), 404)
    assert_problem(t.request("admin", "PUT", "/api/v1/modules/core", json={"enabled": False}), 404)
    assert_problem(t.request("admin", "PUT", "/api/v1/modules/testkit", json={"enabled": "yes"}),
                   422, field="enabled")


def test_one_tenants_modules_do_not_open_another_tenants_routes(server):
    on = platform(server, "POST", "/platform/v1/tenants",
                  json={"name": "With", "slug": "mods-with", "modules": ["testkit"],
                        "admin_email": "a@with.test", "admin_password": PASSWORD})
    assert on.status_code == 201 and on.json()["modules"] == ["testkit"]
    from crmtest import login
    token = login(server, "mods-with", "a@with.test").json()["access_token"]
    r = server.get("/testkit/protected", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    off = Tenant(server, "mods-without")
    assert_problem(off.request("admin", "GET", "/testkit/protected"), 404)
