"""Distribution on Citus (core migration 0028): the migrations written since (core after 0027,
each module after its last one then) create tenant tables that Citus can take, and on a Citus
cluster (make test-citus) every tenant table is distributed by tenant_id in one colocation
group and every other table, but the node-local ones, is a reference table.

A migration that creates a tenant table must call crm_distribute('table') in the same file and
declare its foreign keys to other tables only after that (ALTER TABLE ... ADD FOREIGN KEY):
Citus refuses a local table's key to a distributed table. Migrations before the cut-over ran
on plain PostgreSQL only; crm migrate's citus_distribute() takes their tables afterwards."""
import glob
import os
import re

import pytest

from crmtest import ROOT, Tenant, as_app

# The last migration of each folder that predates distribution in migrations.
CUT_OVER = {"db/migrations": 27, "src/modules/clinic/migrations": 19,
            "src/modules/testkit/migrations": 3}
NODE_LOCAL = {"schema_migrations", "time_zone_names"}


def strip_comments(sql):
    sql = re.sub(r"--[^\n]*", "", sql)
    return re.sub(r"/\*.*?\*/", "", sql, flags=re.S)


def create_tables(sql):
    """(name, body, end) of each CREATE TABLE: its parenthesised column list and where the
    statement ends."""
    out = []
    for m in re.finditer(r"\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\(", sql, re.I):
        depth, i = 1, m.end()
        while i < len(sql) and depth:
            depth += {"(": 1, ")": -1}.get(sql[i], 0)
            i += 1
        out.append((m.group(1).lower(), sql[m.end():i - 1], i))
    return out


def faults(sql):
    """What a migration's text does that Citus would refuse for its new tenant tables."""
    sql = strip_comments(sql)
    found = []
    for name, body, end in create_tables(sql):
        if not re.search(r"\btenant_id\b", body):
            continue
        call = re.search(rf"\bcrm_distribute\s*\(\s*'{name}'", sql[end:], re.I)
        if not call:
            found.append(f"{name}: a tenant table without crm_distribute('{name}')")
            continue
        if re.search(r"\bREFERENCES\s+(?!tenants\b|roles\b|contact_types\b)\w+", body, re.I):
            found.append(f"{name}: a foreign key to a tenant table in CREATE TABLE, before "
                         f"crm_distribute (add it with ALTER TABLE after)")
    return found


def migrations_after_cut_over():
    for folder, last in CUT_OVER.items():
        for path in sorted(glob.glob(os.path.join(ROOT, folder, "*.sql"))):
            if int(os.path.basename(path)[:4]) > last:
                yield path


def test_the_checker_finds_what_citus_would_refuse():
    assert faults("CREATE TABLE notes (tenant_id uuid NOT NULL, id uuid);") == [
        "notes: a tenant table without crm_distribute('notes')"]
    assert faults("CREATE TABLE notes (tenant_id uuid, contact_id uuid,\n"
                  " FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id));\n"
                  "SELECT crm_distribute('notes');") == [
        "notes: a foreign key to a tenant table in CREATE TABLE, before crm_distribute (add "
        "it with ALTER TABLE after)"]
    assert faults("CREATE TABLE notes (tenant_id uuid REFERENCES tenants (id), id uuid);\n"
                  "-- SELECT crm_distribute('notes');") != []  # a comment does not count
    assert faults("CREATE TABLE notes (tenant_id uuid REFERENCES tenants (id), id uuid);\n"
                  "SELECT crm_distribute('notes');\n"
                  "ALTER TABLE notes ADD FOREIGN KEY (tenant_id, id) REFERENCES contacts;") == []
    assert faults("CREATE TABLE kinds (name text PRIMARY KEY);") == []  # a catalogue


def test_migrations_since_the_cut_over_create_tables_citus_can_take():
    problems = []
    for path in migrations_after_cut_over():
        with open(path) as f:
            problems += [f"{os.path.relpath(path, ROOT)}: {p}" for p in faults(f.read())]
    assert problems == []


def test_on_citus_every_table_is_where_it_belongs(pg):
    if not os.environ.get("CRM_TEST_CITUS"):
        pytest.skip("runs on the Citus cluster of make test-citus")
    rows = pg.sql("""SELECT c.relname,
            EXISTS (SELECT 1 FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attname = 'tenant_id') AS tenant,
            p.partmethod, p.colocationid
        FROM pg_class c
        LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
          AND NOT c.relispartition""")
    tenant = {r[0]: r for r in rows if r[1] == "t"}
    other = {r[0]: r for r in rows if r[1] == "f"}
    assert tenant and {r[2] for r in tenant.values()} == {"h"}, tenant
    assert len({r[3] for r in tenant.values()}) == 1, "one colocation group"
    for name, r in other.items():
        assert r[2] == ("" if name in NODE_LOCAL else "n"), r


def test_every_tenant_has_its_anchor_from_its_first_moment(server, pg):
    """A conditional insert selects its tenant from tenant_anchors (core 0032, docs/sql.md): a
    tenant without its row could create nothing. The row comes with the tenant, however it
    is made: by the platform API, or by SQL (the trigger on tenants)."""
    t = Tenant(server, "anchored")
    r = t.request("admin", "POST", "/api/v1/contacts", json={"type": "lead", "last_name": "A"})
    assert r.status_code == 201, r.text
    pg.sql("INSERT INTO tenants (id, name, slug) VALUES"
           " ('0a000000-0000-4000-8000-000000000870', 'By SQL', 'anchored-by-sql')")
    # (a left join: Citus runs no subquery correlated to a reference table)
    missing = pg.sql("SELECT t.slug FROM tenants t LEFT JOIN tenant_anchors a"
                     " ON a.tenant_id = t.id WHERE a.tenant_id IS NULL")
    assert missing == []
    # one row each, never more
    assert pg.sql("SELECT count(*) FROM tenant_anchors a WHERE a.tenant_id IN"
                  f" ('{t.id}', '0a000000-0000-4000-8000-000000000870')") == [["2"]]
    # the app role reads its own tenant's anchor only
    for tenant, count in ((t.id, "1"), ("0a000000-0000-4000-8000-000000000870", "0")):
        seen = pg.sql(f"BEGIN; {as_app(t.id)} SELECT count(*) FROM tenant_anchors"
                      f" WHERE tenant_id = '{tenant}'; COMMIT;", each=True)
        assert seen[-1] == [count]
