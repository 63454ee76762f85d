"""A clinic moved on a Citus cluster (docs/scaling.md, "Operating the cluster"): isolated to a
shard of its own and moved to the other worker, it goes on working. The platform finds it by
slug and lists it, its users sign in and write, and its audit chain, which goes on with the
new node's ids in its own places (core 0034), verifies."""
import os

import pytest

from audittest import verify
from crmtest import Tenant, platform


def node_of(pg, tenant_id):
    return int(pg.sql("SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n"
                      " ON n.groupid = p.groupid WHERE p.shardid ="
                      f" get_shard_id_for_distribution_column('contacts', '{tenant_id}')")[0][0])


def create(t, name):
    r = t.request("receptionist", "POST", "/api/v1/contacts",
                  json={"type": "lead", "first_name": name, "last_name": "Moved"})
    assert r.status_code == 201, r.text


def test_an_isolated_and_moved_clinic_goes_on(server, pg):
    if not os.environ.get("CRM_TEST_CITUS"):
        pytest.skip("runs on the Citus cluster of make test-citus")
    t = Tenant(server, "moved")
    other = Tenant(server, "stays")
    create(t, "Before")
    shard = pg.sql("SELECT isolate_tenant_to_new_shard('contacts', "
                   f"'{t.id}', 'CASCADE', shard_transfer_mode => 'block_writes')")[0][0]
    here = node_of(pg, t.id)
    there = next(p for p in pg.ports[1:] if p != here)
    pg.sql(f"SELECT citus_move_shard_placement({shard}, '127.0.0.1', {here}, '127.0.0.1',"
           f" {there}, shard_transfer_mode => 'block_writes')")
    assert node_of(pg, t.id) == there
    before = {int(r[0]) for r in pg.sql(f"SELECT id FROM audit_log WHERE tenant_id = '{t.id}'")}
    t.sign_in("receptionist")
    create(t, "After")
    after = {int(r[0]) for r in pg.sql(f"SELECT id FROM audit_log WHERE tenant_id = '{t.id}'")}
    new = after - before
    # the new node's ids: all on one side of the old ones, not in between
    assert new and (max(new) < min(before) or min(new) > max(before))
    body = verify(t)
    assert body == {"ok": True, "rows_checked": len(after), "first_broken": None}
    # the platform finds it by slug and lists it, beside the tenant that stayed
    r = platform(server, "GET", "/platform/v1/tenants/moved")
    assert r.status_code == 200 and r.json()["id"] == t.id, r.text
    listed = platform(server, "GET", "/platform/v1/tenants", params={"limit": "200"}).json()
    assert {t.id, other.id} <= {x["id"] for x in listed["data"]}
    assert verify(other)["ok"] is True
