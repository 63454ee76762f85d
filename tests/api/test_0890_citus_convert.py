"""A running single-node database converted to Citus, then given a worker under load
(docs/scaling.md, "Operating the cluster"): a database made and used without the extension,
then given it on every node, its first worker added and `crm migrate` run again, which
distributes the tables with their rows; then the second worker added and the shards
rebalanced while clinics read and write. The clinics read what they had, write on, and their
audit chains verify. A database of its own on the local cluster, dropped at the end."""
import os
import threading

import pytest

from audittest import verify
from crmtest import CitusCluster, Server, Tenant, crm, run_sql

DB = "crm_convert"


class Converted(CitusCluster):
    """The local cluster, with this test's database in place of the suite's."""

    def url(self, user="crm", dbname=DB):
        return super().url(user, dbname)

    def sql(self, query, user="postgres", dbname=DB, each=False):
        return run_sql(self.url(user, dbname), query, each)


@pytest.fixture
def single(pg):
    if not os.environ.get("CRM_TEST_CITUS"):
        pytest.skip("runs on the Citus cluster of make test-citus")
    db = Converted(pg.ports)
    for port in db.ports:
        db.node_sql(port, f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", "postgres")
    db.node_sql(db.ports[0], f"CREATE DATABASE {DB} OWNER crm", "postgres")
    yield db
    for port in db.ports:
        db.node_sql(port, f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", "postgres")


def test_a_database_with_clinics_in_it_converts_and_goes_on(single):
    out = crm("migrate", env={"CRM_DATABASE_URL": single.url()})
    assert out.returncode == 0, out.stderr
    assert single.sql("SELECT count(*) FROM pg_extension WHERE extname = 'citus'") == [["0"]]
    server = Server(single)
    tenants = [Tenant(server, f"convert-{i}") for i in range(3)]
    for t in tenants:
        for i in range(10):
            r = t.request("receptionist", "POST", "/api/v1/contacts",
                          json={"type": "patient", "first_name": f"Pat{i}", "last_name": t.slug})
            assert r.status_code == 201, r.text
    server.stop()
    # the conversion: the extension on every node, the coordinator and its workers, the grant
    # the copy of populated tables needs on every node, then crm migrate
    for port in single.ports[1:]:
        single.node_sql(port, f"CREATE DATABASE {DB} OWNER crm", "postgres")
        single.node_sql(port, "CREATE EXTENSION citus", DB)
    single.sql("CREATE EXTENSION citus")
    single.sql(f"SELECT citus_set_coordinator_host('127.0.0.1', {single.ports[0]})")
    first, second = single.ports[1:3]
    single.sql(f"SELECT citus_add_node('127.0.0.1', {first})")
    for port in single.ports:
        single.node_sql(port, "GRANT SET ON PARAMETER session_replication_role TO crm", DB)
    out = crm("migrate", env={"CRM_DATABASE_URL": single.url()})
    assert out.returncode == 0, out.stderr
    # every tenant table on the workers, its rows with it, row-level security forced there
    placed = dict(single.sql("SELECT n.nodeport, count(*) FROM pg_dist_placement p"
                             " JOIN pg_dist_node n ON n.groupid = p.groupid"
                             " JOIN pg_dist_shard s ON s.shardid = p.shardid"
                             " WHERE s.logicalrelid = 'contacts'::regclass GROUP BY 1"))
    assert set(placed) == {str(first)}, placed
    assert single.sql("SELECT count(*) FROM contacts") == [["30"]]
    forced = single.node_sql(single.ports[1], "SET citus.override_table_visibility = off;"
                             " SELECT DISTINCT relforcerowsecurity FROM pg_class"
                             " WHERE relname ~ '^contacts_[0-9]+$'", DB)
    assert forced == [["t"]]
    server = Server(single)
    try:
        for t in tenants:
            t.server = server
            for role in ("receptionist", "auditor"):
                t.sign_in(role)
        # a worker added under load: crm migrate for its node's own tables and grants, then
        # the shards rebalanced onto it (block_writes: this cluster has no logical WAL)
        answers, stop = [], threading.Event()

        def load(t):
            while not stop.is_set():
                r = t.request("receptionist", "POST", "/api/v1/contacts",
                              json={"type": "lead", "first_name": "Load", "last_name": t.slug})
                answers.append(r.status_code)
                answers.append(t.request("receptionist", "GET", "/api/v1/contacts",
                                         params={"limit": "5"}).status_code)

        clients = [threading.Thread(target=load, args=(t,)) for t in tenants]
        for c in clients:
            c.start()
        try:
            single.sql(f"SELECT citus_add_node('127.0.0.1', {second})")
            out = crm("migrate", env={"CRM_DATABASE_URL": single.url()})
            assert out.returncode == 0, out.stderr
            single.sql("SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes')")
            single.sql("SELECT citus_rebalance_wait()")
        finally:
            stop.set()
            for c in clients:
                c.join()
        placed = dict(single.sql("SELECT n.nodeport, count(*) FROM pg_dist_placement p"
                                 " JOIN pg_dist_node n ON n.groupid = p.groupid"
                                 " JOIN pg_dist_shard s ON s.shardid = p.shardid"
                                 " WHERE s.logicalrelid = 'contacts'::regclass GROUP BY 1"))
        assert set(placed) == {str(first), str(second)}, placed
        assert answers and set(answers) <= {200, 201}, sorted(set(answers))
        for t in tenants:
            r = t.request("receptionist", "GET", "/api/v1/contacts",
                          params={"limit": "50", "type": "patient"})
            assert r.status_code == 200 and len(r.json()["data"]) == 10, r.text
            assert {c["last_name"] for c in r.json()["data"]} == {t.slug}
            r = t.request("receptionist", "POST", "/api/v1/contacts",
                          json={"type": "lead", "first_name": "After", "last_name": t.slug})
            assert r.status_code == 201, r.text
            body = verify(t)
            assert body["ok"] is True and body["first_broken"] is None, body
    finally:
        server.stop()
