"""The database layer through the testkit routes: one pipelined transaction per request,
identity set inside it, rollback on any error, SQLSTATE mapping, statement timeout."""
from crmtest import assert_problem


def test_transaction_commits_and_runs_as_the_app_role(server, pg):
    r = server.request("POST", "/testkit/notes", json={"body": "first note"},
                       headers={"X-Request-Id": "tx-commit-1"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["body"] == "first note"
    assert body["session"]["current_user"] == "crm_app"
    assert body["session"]["request_id"] == "tx-commit-1"
    assert body["session"]["tenant_id"] == ""  # no tenant: tenant tables show nothing
    assert body["session"]["statement_timeout"] == "5s"
    rows = pg.sql("SELECT body, request_id FROM testkit_notes WHERE id = %d" % body["id"])
    assert rows == [["first note", "tx-commit-1"]]


def test_settings_do_not_leak_into_the_next_transaction(server, pg):
    # Same worker connections are reused; set_config(..., true) is local to a transaction.
    ids = set()
    for i in range(12):
        r = server.request("POST", "/testkit/notes", json={"body": f"leak check {i}"})
        assert r.status_code == 201
        ids.add(r.json()["session"]["request_id"])
    assert len(ids) == 12


def test_error_mid_transaction_rolls_back_everything(server, pg):
    r = server.request("POST", "/testkit/notes", json={"body": "must vanish", "then_divide_by": 0})
    assert_problem(r, 422, "not valid")
    assert pg.sql("SELECT count(*) FROM testkit_notes WHERE body = 'must vanish'") == [["0"]]
    # the connection is usable again right after the rollback
    r = server.request("POST", "/testkit/notes", json={"body": "after rollback"})
    assert r.status_code == 201


def test_unique_violation_is_409(server, pg):
    assert server.request("POST", "/testkit/notes", json={"body": "only once"}).status_code == 201
    r = server.request("POST", "/testkit/notes", json={"body": "only once"})
    assert_problem(r, 409, "conflicts")
    assert pg.sql("SELECT count(*) FROM testkit_notes WHERE body = 'only once'") == [["1"]]


def test_handler_validation_names_fields(server):
    r = server.request("POST", "/testkit/notes", json={"body": 5, "then_divide_by": "x"})
    body = assert_problem(r, 422, field="body")
    assert "then_divide_by" in [e["field"] for e in body["errors"]]
    assert_problem(server.request("POST", "/testkit/notes", json={}), 422, field="body")
    assert_problem(server.request("POST", "/testkit/notes", json=[1]), 422)


def test_statement_timeout_is_enforced(pg, make_server):
    s = make_server(pg, env={"CRM_STATEMENT_TIMEOUT_MS": "200"})
    r = s.get("/testkit/sleep", params={"ms": "3000"})
    assert_problem(r, 503, "too long")
    assert r.headers["Retry-After"] == "1"
    assert s.get("/testkit/sleep", params={"ms": "10"}).status_code == 200
    s.stop()


def test_tenant_tables_fail_closed_for_the_app_role(pg):
    pg.sql("BEGIN; SELECT set_config('app.tenant_id', '11111111-1111-4111-8111-111111111111', true);"
           " INSERT INTO tenants (id, name, slug) VALUES"
           " ('11111111-1111-4111-8111-111111111111', 'One', 'one'); COMMIT;", user="crm")
    as_app = "BEGIN; SET LOCAL ROLE crm_app; %s SELECT count(*) FROM tenants; COMMIT;"
    none = pg.sql(as_app % "")
    assert none[-1] == ["0"], "no tenant set: nothing visible"
    own = pg.sql(as_app % "SELECT set_config('app.tenant_id', '11111111-1111-4111-8111-111111111111', true);")
    assert own[-1] == ["1"]
    other = pg.sql(as_app % "SELECT set_config('app.tenant_id', '22222222-2222-4222-8222-222222222222', true);")
    assert other[-1] == ["0"]
    # the app role may not write tenants
    try:
        pg.sql("BEGIN; SET LOCAL ROLE crm_app; INSERT INTO tenants (name, slug) VALUES ('x', 'x');")
        raise AssertionError("crm_app inserted into tenants")
    except RuntimeError as e:
        assert "permission denied" in str(e)


def test_a_deadlock_victim_is_run_again(server):
    """A transaction the database aborts as a deadlock victim (40P01) is rolled back whole,
    so the server runs it again: a client never sees the conflict of two bookings."""
    for times, attempt in ((0, 1), (1, 2), (2, 3)):
        r = server.request("POST", f"/testkit/conflicts?times={times}")
        assert r.status_code == 200, r.text
        assert r.json() == {"committed_on_attempt": attempt}


def test_a_transaction_that_keeps_conflicting_answers_503_after_three_runs(server):
    r = server.request("POST", "/testkit/conflicts?times=3")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "1"
    assert r.headers["Content-Type"] == "application/problem+json"
    assert "deadlock" in r.json()["detail"]
    r = server.request("POST", "/testkit/conflicts?times=x")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "query.times"
