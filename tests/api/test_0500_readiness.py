"""The database goes away and comes back: 503 problems meanwhile, recovery without a restart."""
import time

from crmtest import assert_problem


def wait_for(server, path, status, seconds=20):
    deadline = time.monotonic() + seconds
    while True:
        r = server.get(path)
        if r.status_code == status or time.monotonic() > deadline:
            return r
        time.sleep(0.1)


def test_database_outage_is_503_and_recovers_by_itself(make_cluster, make_server):
    pg = make_cluster()
    s = make_server(pg)
    assert s.get("/readyz").status_code == 200
    assert s.request("POST", "/testkit/notes", json={"body": "before"}).status_code == 201

    pg.stop()
    r = s.get("/readyz")
    assert_problem(r, 503, "database")
    assert r.headers["Retry-After"] == "1"
    r = s.request("POST", "/testkit/notes", json={"body": "during"})
    assert_problem(r, 503, "database")
    assert s.get("/healthz").status_code == 200  # alive, just not ready

    pg.start()
    r = wait_for(s, "/readyz", 200)
    assert r.status_code == 200, r.text
    # every worker thread reconnects on its own: several requests all succeed
    for i in range(10):
        r = s.request("POST", "/testkit/notes", json={"body": f"after {i}"})
        assert r.status_code == 201, r.text
    assert pg.sql("SELECT count(*) FROM testkit_notes WHERE body = 'during'") == [["0"]]
    metrics = s.get("/metrics").text
    errors = [l for l in metrics.splitlines() if l.startswith("crm_db_errors_total ")][0]
    assert int(errors.split()[1]) >= 2
    s.stop()


def test_readyz_is_503_while_migrations_are_pending(make_cluster, make_server):
    pg = make_cluster()
    s = make_server(pg)
    # a migration this binary knows disappears from the record: the database is behind
    pg.sql("DELETE FROM schema_migrations WHERE module = 'testkit'")
    r = s.get("/readyz")
    assert_problem(r, 503, "migrations are pending")
    s.stop()
