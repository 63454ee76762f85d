"""`crm migrate` on a database from before contact types were declared (core 0022, clinic
0014): one that holds patients and an audit log written with patient_id. The database is
built by applying the migration files of that time from the source tree, as `crm migrate`
did then, and filled by the statements and triggers of that time; the binary under test then
migrates it."""
import json
import re

from crmtest import PASSWORD, crm, default_key_set, login, migrate_up_to, psql

TENANT = "11111111-1111-4111-8111-111111111111"
P1, P2, LEAD = (f"aaaaaaaa-0000-4000-8000-00000000000{i}" for i in (1, 2, 3))
# the last migration of each module before the change
BEFORE = {"crm": ("db/migrations", 21), "clinic": ("src/modules/clinic/migrations", 12)}


def migrate_as_before(pg):
    migrate_up_to(pg, BEFORE)


OLD_DATA = f"""
INSERT INTO tenants (id, name, slug) VALUES ('{TENANT}', 'Old clinic', 'old');
BEGIN;
SELECT set_config('app.tenant_id', '{TENANT}', true);
INSERT INTO contacts (tenant_id, id, type, last_name) VALUES
    ('{TENANT}', '{P1}', 'patient', 'Before'), ('{TENANT}', '{P2}', 'patient', 'Before'),
    ('{TENANT}', '{LEAD}', 'lead', 'Before');
COMMIT;
BEGIN;
SELECT set_config('app.tenant_id', '{TENANT}', true);
SELECT audit_read('read', 'contacts', '{P1}', '{P1}', NULL);
SELECT audit_read('read', 'contacts', '{LEAD}', '{LEAD}', NULL);
SELECT audit_page('contacts', '{{"q": "before"}}', ARRAY['{P1}', NULL, '{P2}']::uuid[], 3);
COMMIT;
"""


def test_migrate_keeps_an_old_logs_patients_as_subjects_and_its_chain(make_cluster, make_server):
    pg = make_cluster(migrate=False)
    migrate_as_before(pg)
    psql(pg, "-c", OLD_DATA)
    before = psql(pg, "-c", "SELECT json_agg(json_build_object('id', id, 'subject', patient_id,"
                            " 'changes', changes) ORDER BY id) FROM audit_log", user="postgres")
    before = json.loads(before)
    assert [r["subject"] for r in before] == [None, P1, P2, None, P1, None]
    assert before[-1]["changes"] == {"query": {"q": "before"}, "records": 3,
                                     "patients": sorted([P1, P2])}

    out = crm("migrate", env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 0, out.stderr
    applied = re.findall(r"^applied (\S+) (\d{4})", out.stdout, re.M)
    assert ("crm", "0022") in applied and ("clinic", "0014") in applied
    assert ("crm", "0021") not in applied and ("clinic", "0012") not in applied
    # the patients satisfy contacts.type's reference, now checked for every row
    assert psql(pg, "-c", "SELECT convalidated FROM pg_constraint"
                          " WHERE conname = 'contacts_type_fkey'").split() == ["t"]
    assert psql(pg, "-c", "SELECT string_agg(name || ':' || sensitive || sticky, ' ' ORDER BY name)"
                          " FROM contact_types").split() == [
        "customer:falsefalse", "lead:falsefalse", "patient:truetrue", "volunteer:falsetrue"]
    after = json.loads(psql(pg, "-c", "SELECT json_agg(json_build_object('id', id, 'subject',"
                                      " subject_id, 'changes', changes) ORDER BY id)"
                                      " FROM audit_log", user="postgres"))
    assert after == before

    # rows written before and after the rename form one chain that verifies
    env = {"CRM_DATABASE_URL": pg.url(), "CRM_JWT_KEYS": default_key_set()}
    for role in ("admin", "auditor"):
        out = crm("user", "create", "--tenant", "old", "--email", f"{role}@old.test",
                  "--full-name", role.title(), "--role", role, "--password", PASSWORD, env=env)
        assert out.returncode == 0, out.stderr
    server = make_server(pg)
    tokens = {}
    for role in ("admin", "auditor"):
        r = login(server, "old", f"{role}@old.test")
        assert r.status_code == 200, r.text
        tokens[role] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert server.request("GET", f"/api/v1/contacts/{P2}",
                          headers=tokens["admin"]).status_code == 200
    r = server.request("GET", "/api/v1/contacts", headers=tokens["admin"],
                       params={"q": "before"})
    assert len(r.json()["data"]) == 3

    def audit(**params):
        r = server.request("GET", "/api/v1/audit", headers=tokens["auditor"],
                           params=params | {"limit": "200"})
        assert r.status_code == 200, r.text
        return [(e["action"], e["subject_id"], e["patient_id"]) for e in r.json()["data"]]

    # the old page row is found by its changes.patients, under either name of the filter
    old_page = ("search", None, None)
    assert audit(subject_id=P2) == [("search", None, None), ("read", P2, P2), old_page,
                                    ("create", P2, P2)]
    assert audit(patient_id=P2) == audit(subject_id=P2)
    assert audit(subject_id=P1) == [("search", None, None), old_page, ("read", P1, P1),
                                    ("create", P1, P1)]
    assert audit(subject_id=LEAD) == []
    new_page = psql(pg, "-c", f"SELECT changes FROM audit_log WHERE tenant_id = '{TENANT}'"
                              " ORDER BY id DESC LIMIT 1", user="postgres")
    assert json.loads(new_page) == {"query": {"q": "before"}, "records": 3,
                                    "patients": sorted([P1, P2])}

    r = server.request("GET", "/api/v1/audit/verify", headers=tokens["auditor"])
    assert r.status_code == 200, r.text
    total = int(psql(pg, "-c", f"SELECT count(*) FROM audit_log WHERE tenant_id = '{TENANT}'",
                     user="postgres"))
    assert r.json() == {"ok": True, "rows_checked": total, "first_broken": None}
    assert total > len(before) + 4
    out = crm("audit", "verify", "--tenant", "old", env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["ok"] is True
    # and a row of either side edited breaks it
    psql(pg, "-c", "ALTER TABLE audit_log DISABLE TRIGGER audit_append_only;"
                   f" UPDATE audit_log SET subject_id = NULL WHERE id = {before[1]['id']};"
                   " ALTER TABLE audit_log ENABLE TRIGGER audit_append_only", user="postgres")
    out = crm("audit", "verify", "--tenant", "old", env=env)
    assert out.returncode == 1
    assert json.loads(out.stdout)["first_broken"]["id"] == str(before[1]["id"])
