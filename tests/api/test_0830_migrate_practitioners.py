"""`crm migrate` on a database from before practitioners were the Clinic's own (clinic 0013):
a user flagged is_practitioner there is a row of clinic_practitioners after, in its tenant,
and an unflagged one is not (the copy runs past row-level security)."""
from crmtest import crm, migrate_up_to, psql

TENANT = "11111111-1111-4111-8111-111111111111"
FLAGGED, PLAIN = (f"11111111-1111-4111-8111-0000000000a{i}" for i in (1, 2))


def test_migrate_keeps_who_is_a_practitioner(make_cluster):
    pg = make_cluster(migrate=False)
    migrate_up_to(pg, {"crm": ("db/migrations", 21),
                       "clinic": ("src/modules/clinic/migrations", 12)})
    psql(pg, "-c", f"""
        INSERT INTO roles (name, description) VALUES ('practitioner', 'p');
        INSERT INTO tenants (id, name, slug) VALUES ('{TENANT}', 'Old clinic', 'old');
        BEGIN;
        SELECT set_config('app.tenant_id', '{TENANT}', true);
        INSERT INTO users (tenant_id, id, email, password_hash, full_name, role, is_practitioner)
        VALUES ('{TENANT}', '{FLAGGED}', 'p@old.test', 'x', 'P', 'practitioner', true),
               ('{TENANT}', '{PLAIN}', 'q@old.test', 'x', 'Q', 'practitioner', false);
        COMMIT;""")
    out = crm("migrate", env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 0, out.stderr
    assert "applied clinic 0013_practitioners" in out.stdout
    rows = psql(pg, "-c", "SELECT tenant_id || ' ' || id FROM clinic_practitioners",
                user="postgres")
    assert rows.splitlines() == [f"{TENANT} {FLAGGED}"]
