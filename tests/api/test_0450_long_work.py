"""Long work is bounded so that one slow client or tenant cannot starve the others: at most two
exports and one audit chain check per tenant at once (429 beyond), a statement and an
idle-in-transaction bound on every server connection (exports: CRM_EXPORT_TIMEOUT_MS), a
per-address connection limit; and an export is on the audit log before its first byte."""
import json
import os
import socket
import subprocess
import threading
import time

from crmtest import Tenant, assert_problem

EXPORTS = ["/api/v1/contacts/export", "/api/v1/audit/export"]


class HeldLock:
    """A superuser session that holds a table lock until released (psql in the background)."""

    def __init__(self, pg, table):
        self.proc = subprocess.Popen(
            ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", pg.url("postgres")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.proc.stdin.write(f"BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE;\n"
                              "SELECT 'locked';\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self):
        self.proc.stdin.write("COMMIT;\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def in_thread(fn, *args):
    out = {}
    th = threading.Thread(target=lambda: out.setdefault("r", fn(*args)))
    th.start()
    return th, out


def wait_for_waiters(pg, n, timeout=10):
    """Until n server statements wait on a lock."""
    end = time.time() + timeout
    while time.time() < end:
        rows = pg.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                      " AND application_name = 'crm'")
        if int(rows[0][0]) >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"{n} statements never waited on the lock")


def test_a_tenant_runs_at_most_two_exports_at_once(server, pg):
    t = Tenant(server, "slots-export")
    other = Tenant(server, "slots-other")
    lock = HeldLock(pg, "contacts")
    try:
        held = [in_thread(t.request, "admin", "GET", "/api/v1/contacts/export") for _ in range(2)]
        wait_for_waiters(pg, 2)
        for path in EXPORTS:
            r = t.request("auditor" if "audit" in path else "admin", "GET", path)
            assert_problem(r, 429, "exports")
            assert r.headers["Retry-After"] == "5"
        # another tenant has slots of its own
        theirs = in_thread(other.request, "admin", "GET", "/api/v1/contacts/export")
        wait_for_waiters(pg, 3)
    finally:
        lock.release()
    for th, out in held + [theirs]:
        th.join(30)
        assert out["r"].status_code == 200, out["r"].text
    # slots are given back (when the server has finished each stream, which may be a moment
    # after its client read the last byte): exports work again, and a refused one was never
    # recorded
    deadline = time.time() + 10
    while (r := t.request("admin", "GET", "/api/v1/contacts/export")).status_code == 429:
        assert time.time() < deadline, "the export slots were never given back"
        time.sleep(0.1)
    assert r.status_code == 200, r.text
    rows = pg.sql(f"SELECT count(*) FROM audit_log WHERE tenant_id = '{t.id}'"
                  " AND action = 'export' AND changes ->> 'stage' = 'started'")
    assert rows == [["3"]]


def test_a_tenant_runs_one_audit_chain_check_at_once(server, pg):
    t = Tenant(server, "slots-verify")
    lock = HeldLock(pg, "audit_log")
    try:
        th, out = in_thread(t.request, "auditor", "GET", "/api/v1/audit/verify")
        wait_for_waiters(pg, 1)
        r = t.request("admin", "GET", "/api/v1/audit/verify")
        assert_problem(r, 429, "audit chain checks")
        assert r.headers["Retry-After"]
    finally:
        lock.release()
    th.join(30)
    assert out["r"].status_code == 200 and out["r"].json()["ok"] is True
    assert t.request("auditor", "GET", "/api/v1/audit/verify").status_code == 200


def test_an_export_that_cannot_be_recorded_is_not_made(server, pg):
    t = Tenant(server, "export-unrecorded")
    t.request("admin", "POST", "/api/v1/contacts",
              json={"type": "lead", "first_name": "Ada", "last_name": "Lovelace"})
    pg.sql("REVOKE EXECUTE ON FUNCTION audit_read(uuid, text, text, text, uuid, jsonb) FROM crm_app")
    try:
        for role, path in (("admin", EXPORTS[0]), ("auditor", EXPORTS[1])):
            r = t.request(role, "GET", path)
            assert_problem(r, 503, "audit log")
            assert "Ada" not in r.text
    finally:
        pg.sql("GRANT EXECUTE ON FUNCTION audit_read(uuid, text, text, text, uuid, jsonb) TO crm_app")
    rows = pg.sql(f"SELECT count(*) FROM audit_log WHERE tenant_id = '{t.id}'"
                  " AND action = 'export'")
    assert rows == [["0"]]
    r = t.request("admin", "GET", EXPORTS[0])
    assert r.status_code == 200 and "Ada" in r.text


def test_the_export_is_recorded_before_its_first_byte(server, pg):
    t = Tenant(server, "export-first")
    t.request("admin", "POST", "/api/v1/contacts",
              json={"type": "lead", "first_name": "Grace", "last_name": "Hopper"})
    r = t.request("admin", "GET", EXPORTS[0], params={"tag": "x"})
    assert r.status_code == 200
    # the audit log's own export shows it: its "started" row is inside the stream, so it was
    # committed before the COPY began; the "finished" row comes after
    r = t.request("auditor", "GET", EXPORTS[1], params={"action": "export"})
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert [(l["entity_type"], l["changes"]["stage"]) for l in lines] == [
        ("contacts", "started"), ("contacts", "finished"), ("audit_log", "started")]
    assert lines[0]["changes"] == {"stage": "started", "format": "csv", "filters": {"tag": "x"}}
    assert lines[1]["changes"]["records"] == 0 and lines[1]["changes"]["complete"] is True
    assert lines[0]["request_id"] == lines[1]["request_id"]  # one request, two rows
    assert lines[0]["actor_id"] == t.users["admin"]


def test_every_server_connection_bounds_statements_and_idle_transactions(make_cluster,
                                                                          make_server):
    pg = make_cluster()
    s = make_server(pg, env={"CRM_STATEMENT_TIMEOUT_MS": "1500",
                             "CRM_EXPORT_TIMEOUT_MS": "1000"})
    r = s.request("POST", "/testkit/notes", json={"body": "settings"})
    assert r.status_code == 201, r.text
    assert r.json()["session"]["statement_timeout"] == "1500ms"
    assert r.json()["session"]["idle_in_transaction_session_timeout"] == "1500ms"
    # an export waiting longer than its own bound is stopped (503), and the lock is not kept
    t = Tenant(s, "export-bound")
    lock = HeldLock(pg, "contacts")
    try:
        start = time.time()
        r = t.request("admin", "GET", "/api/v1/contacts/export")
        assert_problem(r, 503, "export")
        assert time.time() - start < 5
    finally:
        lock.release()
    assert t.request("admin", "GET", "/api/v1/contacts/export").status_code == 200
    s.stop()


def test_connections_per_address_are_limited(make_cluster, make_server):
    pg = make_cluster()
    s = make_server(pg, env={"CRM_MAX_CONNECTIONS_PER_IP": "4"})
    host, port = s.url("/").split("//")[1].split("/")[0].split(":")
    held = [socket.create_connection((host, int(port))) for _ in range(4)]
    try:
        extra = socket.create_connection((host, int(port)))
        extra.settimeout(5)
        try:
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            data = extra.recv(100)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        assert data == b"", data  # closed without an answer
        extra.close()
    finally:
        for h in held:
            h.close()
    time.sleep(0.2)
    assert s.get("/healthz").status_code == 200
    s.stop()


def test_the_per_address_limit_is_validated():
    from crmtest import crm
    out = crm("serve", env={"CRM_MAX_CONNECTIONS_PER_IP": "-1", "CRM_DATABASE_URL": "x"})
    assert out.returncode == 2 and "CRM_MAX_CONNECTIONS_PER_IP" in out.stderr
    out = crm("serve", env={"CRM_EXPORT_TIMEOUT_MS": "5", "CRM_DATABASE_URL": "x"})
    assert out.returncode == 2 and "CRM_EXPORT_TIMEOUT_MS" in out.stderr
    assert os.environ.get("CRM_BINARY")
