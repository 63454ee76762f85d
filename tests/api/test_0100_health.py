"""Liveness, readiness and request ids."""
import re
import socket

from crmtest import crm

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_healthz_answers_ok(server):
    r = server.get("/healthz")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"status": "ok"}
    assert r.headers["Cache-Control"] == "no-store"


def test_head_is_served_by_get_routes_without_a_body(server):
    r = server.request("HEAD", "/healthz")
    assert r.status_code == 200
    assert r.content == b""


def test_readyz_checks_database_and_migrations(server):
    r = server.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ready", "database": "up", "migrations": "current"}


def test_request_id_is_generated_when_absent(server):
    a = server.get("/healthz").headers["X-Request-Id"]
    b = server.get("/healthz").headers["X-Request-Id"]
    assert UUID.match(a) and UUID.match(b) and a != b


def test_sane_request_id_is_echoed_and_logged(server):
    r = server.get("/healthz", headers={"X-Request-Id": "trace-42.abc:XYZ_9"})
    assert r.headers["X-Request-Id"] == "trace-42.abc:XYZ_9"
    assert '"request_id":"trace-42.abc:XYZ_9"' in server.log()


def test_insane_request_id_is_replaced(server):
    for bad in ["a" * 65, "has space", "quote\"", "semi;colon"]:
        r = server.get("/healthz", headers={"X-Request-Id": bad})
        assert UUID.match(r.headers["X-Request-Id"]), bad


def test_access_log_line_names_route_template_status_and_duration(server):
    server.get("/docs/swagger-ui.css", headers={"X-Request-Id": "log-line-check"})
    line = [l for l in server.log().splitlines() if "log-line-check" in l][-1]
    assert '"type":"access"' in line
    assert '"method":"GET"' in line
    assert '"route":"/docs/{asset}"' in line
    assert '"status":200' in line
    assert re.search(r'"duration_us":\d+', line)
    assert re.search(r'"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"', line)


def test_crm_healthcheck_asks_the_server_on_its_listen_address(server):
    """What a container's HEALTHCHECK runs: 0 while the server answers, 1 otherwise."""
    out = crm("healthcheck", "--listen", f"127.0.0.1:{server.port}")
    assert out.returncode == 0, out.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    out = crm("healthcheck", "--listen", f"127.0.0.1:{closed}")
    assert out.returncode == 1
    assert f"http://127.0.0.1:{closed}/healthz" in out.stderr
    out = crm("healthcheck", "--listen", "nonsense")
    assert out.returncode == 2 and "--listen" in out.stderr
