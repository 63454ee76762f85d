"""Query values and path segments are text: invalid UTF-8 (or NUL) in any of them, on any route
of the route tables (their x-query, x-permission in /openapi.json), answers 400 naming it, and
the server keeps serving. An audit export with such a filter once took the server down."""
import re
import uuid

from crmtest import assert_problem

BAD = ["%C3", "%FF%FE", "%ED%A0%80", "a%00b"]  # truncated, never UTF-8, a surrogate, NUL


def operations(server):
    doc = server.get("/openapi.json").json()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "x-permission" in op:
                yield path, method.upper(), op


def assert_bad_text(r, path, field):
    if path.startswith("/fhir/"):
        assert r.status_code == 400, r.text
        assert r.json()["resourceType"] == "OperationOutcome"
        assert field in r.text
    else:
        assert_problem(r, 400, field=field)


def test_the_document_lists_each_route_s_declared_query_parameters(server):
    for path, method, op in operations(server):
        documented = set()
        for p in op.get("parameters", []):
            if "$ref" in p:
                p = server.get("/openapi.json").json()["components"]["parameters"][
                    p["$ref"].rsplit("/", 1)[1]]
            if p["in"] == "query":
                documented.add(p["name"])
        assert documented == set(op["x-query"]), (method, path)


def test_invalid_utf8_in_any_query_value_is_400_naming_it(server, tenants):
    a, _ = tenants
    checked = 0
    for path, method, op in operations(server):
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        for name in op["x-query"]:
            for bad in BAD:
                # as an anonymous caller and as an Admin: the check comes before the token's
                r = server.request(method, f"{url}?{name}={bad}")
                assert_bad_text(r, path, f"query.{name}")
                r = a.request("admin", method, f"{url}?{name}={bad}")
                assert_bad_text(r, path, f"query.{name}")
                checked += 1
    assert checked >= 4 * 60
    assert server.get("/healthz").status_code == 200


def test_invalid_utf8_in_a_parameter_name_is_400(server):
    r = server.get("/api/v1/contacts?%C3=1")
    body = assert_problem(r, 400, field="query")
    assert "\ufffd" not in str(body) and "\\x" not in str(body)


def test_invalid_utf8_in_any_path_parameter_is_400_naming_it(server, tenants):
    a, _ = tenants
    checked = 0
    for path, method, op in operations(server):
        for name in re.findall(r"\{([^}]+)\}", path):
            url = path.replace("{" + name + "}", "x%C3%28y")
            url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), url)
            assert_bad_text(a.request("admin", method, url), path, f"path.{name}")
            checked += 1
    assert checked >= 20
    assert server.get("/healthz").status_code == 200


def test_the_audit_export_that_crashed_the_server(server, tenants):
    a, _ = tenants
    for name in ("entity_id", "entity_type", "action", "from"):
        r = a.request("auditor", "GET", f"/api/v1/audit/export?{name}=%C3")
        assert_problem(r, 400, field=f"query.{name}")
    r = a.request("admin", "GET", "/api/v1/contacts/export?tag=%C3")
    assert_problem(r, 400, field="query.tag")
    assert server.get("/healthz").status_code == 200
    assert a.request("auditor", "GET", "/api/v1/audit/export").status_code == 200


def test_a_problem_never_carries_invalid_utf8(server):
    # a method token of raw bytes is echoed in the 405 detail: as U+FFFD, still valid JSON
    import socket
    host, port = server.url("/").split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port))) as s:
        s.sendall(b"GE\xc3T /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if b"problem+json" in head:
        body.decode("utf-8")  # raises if the server wrote invalid UTF-8
