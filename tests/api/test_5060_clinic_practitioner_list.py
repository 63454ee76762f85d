"""GET /api/v1/practitioners: the tenant's active practitioners with their diary colours, for
every role that reads appointments, ordered by name then id; colours chosen once, distinct for
the first twelve, and kept when practitioners come and go."""
import re

import pytest

from crmtest import ROLES, Tenant, assert_problem, crm, migrate_up_to, psql

pytestmark = pytest.mark.clinic

PALETTE = ["#1d4ed8", "#047857", "#b45309", "#6d28d9", "#be123c", "#0e7490",
           "#4d7c0f", "#a21caf", "#4338ca", "#c2410c", "#0f766e", "#be185d"]


@pytest.fixture(scope="module")
def a(server):
    return Tenant(server, "plist-a", modules=["clinic"])


@pytest.fixture(scope="module")
def b(server):
    return Tenant(server, "plist-b", modules=["clinic"])


def add_practitioner(t, email, name):
    r = t.request("admin", "POST", "/api/v1/users",
                  json={"email": email, "full_name": name, "role": "practitioner",
                        "password": "a long enough password 1", "is_practitioner": True})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def listed(t, role="receptionist"):
    r = t.request(role, "GET", "/api/v1/practitioners")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert set(body) == {"data"}
    for p in body["data"]:
        assert set(p) == {"id", "full_name", "colour"}
        assert re.fullmatch(r"#[0-9a-f]{6}", p["colour"]), p
    return body["data"]


def db_colours(pg, t):
    return dict(pg.sql(f"SELECT id, colour FROM clinic_practitioners WHERE tenant_id = '{t.id}'"))


def test_every_role_that_reads_appointments_gets_the_list(a):
    expected = listed(a)
    assert [p["id"] for p in expected] == [a.users["practitioner"]]
    assert expected[0]["full_name"] == "Practitioner User"
    for role in ROLES:
        r = a.request(role, "GET", "/api/v1/practitioners")
        appointments = a.request(role, "GET", "/api/v1/appointments")
        if role in ("admin", "practitioner", "receptionist", "viewer"):
            assert r.status_code == 200 and r.json()["data"] == expected, (role, r.text)
            assert appointments.status_code == 200, role
        else:  # sales and auditor read no appointments
            assert_problem(r, 403)
            assert_problem(appointments, 403)


def test_ordered_by_name_then_id_without_disabled_users(a, pg):
    ids = {add_practitioner(a, "zed@plist-a.test", "Zed Zimmer"): "Zed Zimmer",
           add_practitioner(a, "amy1@plist-a.test", "Amy Adams"): "Amy Adams",
           add_practitioner(a, "amy2@plist-a.test", "Amy Adams"): "Amy Adams"}
    gone = add_practitioner(a, "gone@plist-a.test", "Bea Gone")
    r = a.request("admin", "PATCH", f"/api/v1/users/{gone}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    ids[a.users["practitioner"]] = "Practitioner User"
    data = listed(a)
    assert [(p["full_name"], p["id"]) for p in data] == sorted((n, i) for i, n in ids.items())
    assert gone not in [p["id"] for p in data]
    assert gone in db_colours(pg, a)  # still a practitioner, only not listed
    # users who are no practitioners are not listed, whatever their role
    assert a.users["receptionist"] not in [p["id"] for p in data]


def test_colours_are_distinct_stable_and_kept_in_the_row(server, pg):
    t = Tenant(server, "plist-col", modules=["clinic"])  # one practitioner so far
    made = [add_practitioner(t, f"p{i}@plist-col.test", f"Doctor {i:02}") for i in range(11)]
    first = {p["id"]: p["colour"] for p in listed(t)}
    assert len(first) == 12
    assert sorted(first.values()) == sorted(PALETTE)  # twelve practitioners, twelve colours
    assert first == db_colours(pg, t)
    assert first[t.users["practitioner"]] == PALETTE[0]  # made first, first colour
    # one leaves: the others keep theirs; the next one made takes the freed colour
    r = t.request("admin", "PATCH", f"/api/v1/users/{made[4]}", json={"is_practitioner": False})
    assert r.status_code == 200
    freed = first.pop(made[4])
    newcomer = add_practitioner(t, "new@plist-col.test", "Aaron New")
    now = {p["id"]: p["colour"] for p in listed(t)}
    assert now.pop(newcomer) == freed
    assert now == first
    # a thirteenth shares the least used colour (the palette's first, on a tie)
    extra = add_practitioner(t, "extra@plist-col.test", "Extra Thirteen")
    assert {p["id"]: p["colour"] for p in listed(t)}[extra] == PALETTE[0]


def test_other_tenants_practitioners_never_appear(a, b):
    mine = {p["id"] for p in listed(a)}
    theirs = {p["id"] for p in listed(b)}
    assert theirs == {b.users["practitioner"]}
    assert not mine & theirs


def test_the_clinic_off_answers_as_its_other_routes(server):
    t = Tenant(server, "plist-off")  # the Clinic module not enabled
    for role in ROLES:
        r = t.request(role, "GET", "/api/v1/practitioners")
        other = t.request(role, "GET", "/api/v1/appointments")
        assert r.status_code == other.status_code, role
        assert_problem(r, 404 if role in ("admin", "practitioner", "receptionist", "viewer")
                       else 403)
    # on again, the list answers
    r = t.request("admin", "PUT", "/api/v1/modules/clinic", json={"enabled": True})
    assert r.status_code == 200, r.text
    assert [p["id"] for p in listed(t, "admin")] == [t.users["practitioner"]]


def test_migration_gives_existing_practitioners_the_palette_in_their_order(make_cluster):
    """Clinic 0015 on a database of the release before: each tenant's practitioners get the
    palette in the order they were made, every tenant's (past row-level security), without
    audit rows, and the chains still verify."""
    pg = make_cluster(migrate=False)
    migrate_up_to(pg, {"crm": ("db/migrations", 22),
                       "clinic": ("src/modules/clinic/migrations", 14)})
    tenants = {"11111111-1111-4111-8111-111111111111": 3,
               "22222222-2222-4222-8222-222222222222": 14}
    sql = ["INSERT INTO roles (name, description) VALUES ('practitioner', 'p');"]
    for n, (tid, count) in enumerate(tenants.items()):
        sql.append(f"INSERT INTO tenants (id, name, slug) VALUES ('{tid}', 'T{n}', 'old-{n}');")
        sql.append(f"BEGIN; SELECT set_config('app.tenant_id', '{tid}', true);")
        for i in range(count):  # made one after another, the last first by id
            uid = f"{tid[:24]}{99 - i:012d}"
            sql.append("INSERT INTO users (tenant_id, id, email, password_hash, full_name, role)"
                       f" VALUES ('{tid}', '{uid}', 'p{i}@t{n}.test', 'x', 'P {i}',"
                       " 'practitioner');"
                       "INSERT INTO clinic_practitioners (tenant_id, id, created_at)"
                       f" VALUES ('{tid}', '{uid}', now() + interval '{i} seconds');")
        sql.append("COMMIT;")
    psql(pg, "-c", "\n".join(sql))
    audit_before = psql(pg, "-c", "SELECT count(*) FROM audit_log", user="postgres")

    out = crm("migrate", env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 0, out.stderr
    assert "applied clinic 0015_practitioner_colour" in out.stdout
    for tid, count in tenants.items():
        rows = psql(pg, "-c", "SELECT colour FROM clinic_practitioners"
                              f" WHERE tenant_id = '{tid}' ORDER BY created_at", user="postgres")
        assert rows.split() == [PALETTE[i % 12] for i in range(count)]
    assert psql(pg, "-c", "SELECT count(*) FROM audit_log", user="postgres") == audit_before
    assert psql(pg, "-c", "SELECT relforcerowsecurity FROM pg_class"
                          " WHERE relname = 'clinic_practitioners'").split() == ["t"]
    assert psql(pg, "-c", "SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit'"
                          " AND tgrelid = 'clinic_practitioners'::regclass").split() == ["O"]
    out = crm("audit", "verify", env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 0, out.stdout + out.stderr
