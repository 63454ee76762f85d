"""The users API: create, list, read, change, disable; validation and the rules on roles."""
import uuid

from crmtest import PASSWORD, Tenant, assert_problem


def test_create_read_and_list_users(server, tenants, pg):
    a, _ = tenants
    r = a.request("admin", "POST", "/api/v1/users",
                  json={"email": "New.Person@alpha.test", "full_name": "New Person",
                        "role": "receptionist", "password": PASSWORD})
    assert r.status_code == 201, r.text
    u = r.json()
    assert u["email"] == "New.Person@alpha.test" and u["role"] == "receptionist"
    assert u["tenant_id"] == a.id and u["active"] is True and u["version"] == 1
    assert u["is_practitioner"] is False and u["last_login_at"] is None
    assert r.headers["ETag"] == '"1"' and r.headers["Location"] == f"/api/v1/users/{u['id']}"
    assert "password" not in r.text and "hash" not in r.text
    got = a.request("admin", "GET", f"/api/v1/users/{u['id']}")
    assert got.status_code == 200 and got.json() == u
    stored = pg.sql(f"SELECT password_hash FROM users WHERE id = '{u['id']}'")[0][0]
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    seen, cursor = [], None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = a.request("admin", "GET", "/api/v1/users", params=params).json()
        seen += [x["id"] for x in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert u["id"] in seen and len(seen) == len(set(seen))
    assert all(x in seen for x in a.users.values())


def test_cursors_are_tamper_proof_and_bound_to_tenant_and_list(server, tenants):
    a, b = tenants
    cursor = a.request("admin", "GET", "/api/v1/users", params={"limit": "1"}).json()["next_cursor"]
    assert cursor
    assert a.request("admin", "GET", "/api/v1/users",
                     params={"limit": "1", "cursor": cursor}).status_code == 200
    flipped = cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:]
    for bad in [flipped, cursor[:-2], "x" * 40, ""]:
        r = a.request("admin", "GET", "/api/v1/users", params={"cursor": bad})
        assert_problem(r, 400, field="query.cursor")
    # another tenant cannot use it
    assert_problem(b.request("admin", "GET", "/api/v1/users", params={"cursor": cursor}), 400,
                   field="query.cursor")
    for limit in ["0", "201", "ten", ""]:
        assert_problem(a.request("admin", "GET", "/api/v1/users", params={"limit": limit}), 400,
                       field="query.limit")


def test_invalid_users_are_422_and_duplicates_409(server, tenants, pg):
    a, _ = tenants
    base = {"email": "v@alpha.test", "full_name": "V", "role": "viewer", "password": PASSWORD}
    cases = [
        ({"email": "no-at"}, "email"),
        ({"email": 7}, "email"),
        ({"full_name": ""}, "full_name"),
        ({"role": "superuser"}, "role"),
        ({"is_practitioner": "yes"}, "is_practitioner"),
        ({"password": "short"}, "password"),
        ({"password": "v@alpha.test and more"}, "password"),
        ({"password": "Clinic alpha 123456"}, "password"),
        ({"tenant_id": tenants[1].id}, "tenant_id"),
        ({"nickname": "x"}, "nickname"),
    ]
    for over, field in cases:
        r = a.request("admin", "POST", "/api/v1/users", json=base | over)
        assert_problem(r, 422, field=field)
    for missing in ["email", "full_name", "role", "password"]:
        body = dict(base)
        del body[missing]
        assert_problem(a.request("admin", "POST", "/api/v1/users", json=body), 422, field=missing)
    assert pg.sql("SELECT count(*) FROM users WHERE email = 'v@alpha.test'") == [["0"]]
    r = a.request("admin", "POST", "/api/v1/users", json=base | {"email": a.email("sales").upper()})
    assert_problem(r, 409, field="email")


def test_patch_with_if_match_and_stale_versions(server, tenants):
    a, _ = tenants
    uid = a.users["viewer"]
    cur = a.request("admin", "GET", f"/api/v1/users/{uid}")
    etag = cur.headers["ETag"]
    r = a.request("admin", "PATCH", f"/api/v1/users/{uid}", json={"full_name": "Vera Viewer"},
                  headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["full_name"] == "Vera Viewer"
    assert r.json()["version"] == cur.json()["version"] + 1
    r = a.request("admin", "PATCH", f"/api/v1/users/{uid}", json={"full_name": "Stale"},
                  headers={"If-Match": etag})
    assert_problem(r, 412)
    assert a.request("admin", "GET", f"/api/v1/users/{uid}").json()["full_name"] == "Vera Viewer"
    r = a.request("admin", "PATCH", f"/api/v1/users/{uid}", json={"full_name": "x"},
                  headers={"If-Match": "garbage"})
    assert_problem(r, 412)
    r = a.request("admin", "PATCH", f"/api/v1/users/{uid}", json={"active": "no"})
    assert_problem(r, 422, field="active")
    r = a.request("admin", "PATCH", f"/api/v1/users/{uid}", json={"email": "x@y.z"})
    assert_problem(r, 422, field="email")


def test_nobody_changes_their_own_role_or_disables_themselves(server, tenants):
    a, _ = tenants
    me = a.users["admin"]
    assert_problem(a.request("admin", "PATCH", f"/api/v1/users/{me}", json={"role": "viewer"}),
                   403, "own role")
    assert_problem(a.request("admin", "DELETE", f"/api/v1/users/{me}"), 403)
    assert a.request("admin", "GET", f"/api/v1/users/{me}").json()["role"] == "admin"


def test_delete_disables_and_never_removes(server, pg):
    t = Tenant(server, "kappa")
    uid = t.users["sales"]
    r = t.request("admin", "DELETE", f"/api/v1/users/{uid}")
    assert r.status_code == 204
    assert pg.sql(f"SELECT active FROM users WHERE id = '{uid}'") == [["f"]]
    assert t.request("admin", "GET", f"/api/v1/users/{uid}").json()["active"] is False


def test_unknown_and_malformed_ids_are_404(server, tenants):
    a, _ = tenants
    for uid in [str(uuid.uuid4()), "not-a-uuid", "00000000-0000-0000-0000-000000000000"]:
        assert_problem(a.request("admin", "GET", f"/api/v1/users/{uid}"), 404)
        assert_problem(a.request("admin", "PATCH", f"/api/v1/users/{uid}",
                                 json={"full_name": "x"}), 404)
        assert_problem(a.request("admin", "DELETE", f"/api/v1/users/{uid}"), 404)


def test_roles_list_and_me(server, tenants):
    a, _ = tenants
    roles = a.request("viewer", "GET", "/api/v1/roles").json()["data"]
    by_name = {r["name"]: set(r["permissions"]) for r in roles}
    assert set(by_name) == {"admin", "practitioner", "receptionist", "sales", "viewer", "auditor"}
    assert "users.manage" in by_name["admin"] and "users.manage" not in by_name["receptionist"]
    assert "deals.write" in by_name["sales"] and "deals.read" not in by_name["practitioner"]
    assert all(p.endswith(".read") for p in by_name["viewer"])
    for role in by_name:
        for p in by_name[role]:
            assert p in by_name["admin"]
    me = a.request("practitioner", "GET", "/api/v1/me").json()
    assert me == {"id": a.users["practitioner"], "tenant_id": a.id,
                  "email": a.email("practitioner"), "full_name": "Practitioner User",
                  "role": "practitioner",
                  # the modules this tenant has not enabled leave /me
                  "permissions": sorted(p for p in by_name["practitioner"]
                                        if not p.startswith(("clinic.", "testkit."))),
                  "is_practitioner": True,
                  # the tenant's conventions, which screens show times in
                  "tenant": {"name": "Clinic alpha", "slug": "alpha",
                             "time_zone": "Europe/London", "default_country": "GB"}}
