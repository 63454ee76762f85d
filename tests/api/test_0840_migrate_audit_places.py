"""`crm migrate` on a database whose audit chains were walked by id (before core 0034): the
rows already written keep no place of their own, each lane goes on from its head, and the
chain still verifies, or names a row removed on either side of the upgrade."""
import json

from crmtest import crm, default_key_set, migrate_up_to, psql

TENANT = "22222222-2222-4222-8222-222222222222"


def write_contact(pg, n):
    """A contact inserted as the application does, in its own transaction: an audit row."""
    psql(pg, "-c", f"""
        BEGIN;
        SELECT set_config('app.tenant_id', '{TENANT}', true);
        INSERT INTO contacts (tenant_id, type, first_name, last_name)
        VALUES ('{TENANT}', 'lead', 'Old', 'Row {n}');
        COMMIT;""")


def verify(pg):
    out = crm("audit", "verify", "--tenant", "places",
              env={"CRM_DATABASE_URL": pg.url(), "CRM_JWT_KEYS": default_key_set()})
    return json.loads(out.stdout)


def test_old_rows_keep_their_order_and_new_ones_follow_them(make_cluster):
    pg = make_cluster(migrate=False)
    migrate_up_to(pg, {"crm": ("db/migrations", 33)})
    psql(pg, "-c", f"INSERT INTO tenants (id, name, slug) VALUES ('{TENANT}', 'Old', 'places')")
    for n in range(3):
        write_contact(pg, n)
    out = crm("migrate", env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 0, out.stderr
    assert "applied crm 0034_audit_lane_order" in out.stdout
    old = psql(pg, "-c", f"SELECT count(*), count(seq) FROM audit_log"
                         f" WHERE tenant_id = '{TENANT}'", user="postgres").split()
    assert old == ["4|0"]  # the tenant and three contacts, no place of their own
    head = psql(pg, "-c", "SELECT last_id = last_seq FROM audit_heads"
                          f" WHERE tenant_id = '{TENANT}'", user="postgres").split()
    assert head == ["t"]
    for n in range(3, 5):
        write_contact(pg, n)
    body = verify(pg)  # the CLI finds the tenant by its slug: one more row
    assert body == {"ok": True, "rows_checked": 7, "first_broken": None}
    # the new rows' places follow the old ones' ids
    rows = psql(pg, "-c", f"SELECT id, seq FROM audit_log WHERE tenant_id = '{TENANT}'"
                          " ORDER BY id", user="postgres").split()
    last_old = int(rows[3].split("|")[0])
    assert [int(r.split("|")[1]) for r in rows[4:]] == [last_old + 1, last_old + 2, last_old + 3]
    # a row removed before the upgrade is still found where it was
    second = rows[1].split("|")[0]
    psql(pg, "-c", "BEGIN; ALTER TABLE audit_log DISABLE TRIGGER audit_append_only;"
                   f" DELETE FROM audit_log WHERE tenant_id = '{TENANT}' AND id = {second};"
                   " ALTER TABLE audit_log ENABLE TRIGGER audit_append_only; COMMIT;",
         user="postgres")
    body = verify(pg)
    assert body["ok"] is False
    assert body["first_broken"]["id"] == rows[2].split("|")[0]
    assert "removed" in body["first_broken"]["reason"]
