"""Tenant isolation, enforced twice: every query filters on the token's tenant, and forced
row-level security fails closed for the app role. Checked over HTTP and in SQL."""
import uuid

from crmtest import assert_problem


def tenant_tables(pg):
    rows = pg.sql("SELECT c.relname FROM pg_class c"
                  " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'"
                  " WHERE c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace"
                  " ORDER BY 1")
    return [r[0] for r in rows]


def test_other_tenants_ids_answer_404_and_change_nothing(server, tenants, pg):
    a, b = tenants
    victim = b.users["sales"]
    before = pg.sql(f"SELECT full_name, role, active, version FROM users WHERE id = '{victim}'")
    assert_problem(a.request("admin", "GET", f"/api/v1/users/{victim}"), 404)
    assert_problem(a.request("admin", "PATCH", f"/api/v1/users/{victim}",
                             json={"full_name": "Hijacked", "role": "admin"}), 404)
    assert_problem(a.request("admin", "DELETE", f"/api/v1/users/{victim}"), 404)
    after = pg.sql(f"SELECT full_name, role, active, version FROM users WHERE id = '{victim}'")
    assert before == after
    # the same answer as for an id that exists nowhere
    unknown = a.request("admin", "GET", f"/api/v1/users/{uuid.uuid4()}").json()
    other = a.request("admin", "GET", f"/api/v1/users/{victim}").json()
    assert unknown["detail"] == other["detail"] and unknown["title"] == other["title"]
    listed = a.request("admin", "GET", "/api/v1/users", params={"limit": "200"}).json()["data"]
    assert {u["tenant_id"] for u in listed} == {a.id}


# The search copy: no forced RLS (its trigram indexes must work), so the app role gets no
# access at all; only the search_candidates() function reads it, filtering on the tenant.
OWNER_ONLY = {"search_entries"}


def test_the_search_copy_is_closed_to_the_app_role(server, pg):
    rows = pg.sql("SELECT has_table_privilege('crm_app', 'search_entries', 'SELECT'),"
                  " relrowsecurity FROM pg_class WHERE relname = 'search_entries'")
    assert rows == [["f", "t"]]
    try:
        pg.sql("BEGIN; SET LOCAL ROLE crm_app; SELECT count(*) FROM search_entries;")
        raise AssertionError("crm_app read search_entries")
    except RuntimeError as e:
        assert "permission denied" in str(e)


def test_every_tenant_table_has_forced_rls_and_composite_keys(server, pg):
    tables = [t for t in tenant_tables(pg) if t not in OWNER_ONLY]
    assert {"users", "refresh_tokens", "tenant_modules"} <= set(tables)
    for t in tables + ["tenants"]:
        rls = pg.sql(f"SELECT relrowsecurity, relforcerowsecurity FROM pg_class"
                     f" WHERE oid = 'public.{t}'::regclass")
        assert rls == [["t", "t"]], t
        policies = pg.sql(f"SELECT count(*) FROM pg_policies WHERE tablename = '{t}'"
                          " AND qual LIKE '%current_tenant_id()%'")
        assert int(policies[0][0]) >= 1, f"{t} has no tenant policy"
    for t in tables + sorted(OWNER_ONLY):
        pk = pg.sql(f"SELECT a.attname FROM pg_constraint c JOIN pg_attribute a"
                    f" ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
                    f" WHERE c.conrelid = 'public.{t}'::regclass AND c.contype = 'p'")
        assert pk == [["tenant_id"]], f"{t}: primary key must start with tenant_id"
        fks = pg.sql(f"SELECT c.conname, c.confrelid::regclass::text, array_length(c.conkey, 1),"
                     f" (SELECT attname FROM pg_attribute WHERE attrelid = c.conrelid"
                     f"  AND attnum = c.conkey[1])"
                     f" FROM pg_constraint c"
                     f" WHERE c.conrelid = 'public.{t}'::regclass AND c.contype = 'f'")
        for name, target, ncols, first in fks:
            if target == "tenants":
                assert ncols == "1" and first == "tenant_id", name
            elif target in ("roles", "contact_types"):
                continue  # the global catalogues of roles and contact types
            else:
                assert int(ncols) >= 2 and first == "tenant_id", f"{t}.{name} is not composite"
    uniques = pg.sql("SELECT c.conrelid::regclass::text, c.conname FROM pg_constraint c"
                     " WHERE c.contype = 'u' AND c.connamespace = 'public'::regnamespace"
                     " AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.conrelid"
                     "  AND a.attnum = ANY (c.conkey) AND a.attname = 'tenant_id')"
                     " AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.conrelid"
                     "  AND a.attname = 'tenant_id')")
    assert uniques == [], "unique constraints of tenant tables must include tenant_id"


def as_app(pg, sql, tenant=None):
    setting = f"SELECT set_config('app.tenant_id', '{tenant}', true);" if tenant else ""
    return pg.sql(f"BEGIN; SET LOCAL ROLE crm_app; {setting} {sql}; COMMIT;")


def test_rls_fails_closed_and_hides_other_tenants(server, tenants, pg):
    a, b = tenants
    for t in [x for x in tenant_tables(pg) if x not in OWNER_ONLY] + ["tenants"]:
        total = int(pg.sql(f"SELECT count(*) FROM {t}")[0][0])
        seen = as_app(pg, f"SELECT count(*) FROM {t}")
        assert seen[-1] == ["0"], f"{t}: rows visible without a tenant"
        if total and t != "tenants":
            mine = as_app(pg, f"SELECT count(*) FROM {t} WHERE tenant_id <> '{a.id}'", a.id)
            assert mine[-1] == ["0"], f"{t}: another tenant's rows are visible"
    # writing into another tenant, or changing its rows, is impossible
    try:
        as_app(pg, "INSERT INTO users (tenant_id, email, password_hash, full_name, role)"
                   f" VALUES ('{b.id}', 'x@b.test', 'h', 'X', 'viewer')", a.id)
        raise AssertionError("inserted a row of another tenant")
    except RuntimeError as e:
        assert "row-level security" in str(e)
    changed = as_app(pg, f"WITH u AS (UPDATE users SET full_name = 'Owned' WHERE tenant_id = '{b.id}'"
                         " RETURNING 1) SELECT count(*) FROM u", a.id)
    assert changed[-1] == ["0"]
    assert pg.sql(f"SELECT count(*) FROM users WHERE full_name = 'Owned'") == [["0"]]


def test_a_dedicated_login_role_serves_through_set_role(make_cluster, make_server):
    from crmtest import PASSWORD, Tenant
    pg = make_cluster()
    pg.sql("CREATE ROLE crm_authenticator LOGIN NOINHERIT")
    pg.sql("GRANT crm_app, crm_platform TO crm_authenticator")
    s = make_server(pg, env={"CRM_DATABASE_URL": pg.url(user="crm_authenticator")})
    t = Tenant(s, "nu")
    me = t.request("admin", "GET", "/api/v1/me")
    assert me.status_code == 200 and me.json()["tenant_id"] == t.id
    assert pg.sql("SELECT count(*) FROM users") == [[str(len(t.users))]]
    assert PASSWORD
    s.stop()


def test_provisioning_has_a_login_role_of_its_own(make_cluster, make_server):
    """CRM_PLATFORM_DATABASE_URL: the role serving tenants cannot become crm_platform, so no
    tenant request (an injection included) could act as it; provisioning and the deny list
    use a login role of their own."""
    from crmtest import Tenant, crm, default_key_set, platform
    pg = make_cluster()
    pg.sql("CREATE ROLE crm_tenant_login LOGIN NOINHERIT")
    pg.sql("GRANT crm_app TO crm_tenant_login")
    pg.sql("CREATE ROLE crm_platform_login LOGIN NOINHERIT")
    pg.sql("GRANT crm_platform TO crm_platform_login")
    s = make_server(pg, env={"CRM_DATABASE_URL": pg.url(user="crm_tenant_login"),
                             "CRM_PLATFORM_DATABASE_URL": pg.url(user="crm_platform_login")})
    t = Tenant(s, "split")  # the platform API, sign-ins, users
    assert t.request("admin", "GET", "/api/v1/me").status_code == 200
    assert t.request("receptionist", "POST", "/api/v1/contacts",
                     json={"type": "lead", "last_name": "Split"}).status_code == 201
    assert platform(s, "GET", f"/platform/v1/tenants/{t.id}").status_code == 200
    # the deny list reads through the platform role: a suspension still ends tokens
    assert platform(s, "PATCH", f"/platform/v1/tenants/{t.id}",
                    json={"status": "suspended"}).status_code == 200
    import time
    deadline = time.time() + 15
    while t.request("admin", "GET", "/api/v1/me").status_code != 401:
        assert time.time() < deadline
        time.sleep(0.2)
    try:
        pg.sql("SET ROLE crm_platform", user="crm_tenant_login")
        raise AssertionError("the tenant login role became crm_platform")
    except RuntimeError as e:
        assert "permission denied" in str(e)
    s.stop()
    # a serving role that can act as crm_platform is refused when the split is asked for
    pg.sql("GRANT crm_platform TO crm_tenant_login")
    out = crm("serve", env={"CRM_DATABASE_URL": pg.url(user="crm_tenant_login"),
                            "CRM_PLATFORM_DATABASE_URL": pg.url(user="crm_platform_login"),
                            "CRM_JWT_KEYS": default_key_set(), "CRM_LISTEN": "127.0.0.1:0"},
              timeout=30)
    assert out.returncode == 1 and "can act as crm_platform" in out.stderr, out.stderr
