"""Problem bodies for routing, query and authorisation errors."""
from crmtest import assert_problem


def test_unknown_path_is_404_problem(server):
    """Under the API's own folders (other page paths load the web app: test_0160)."""
    r = server.get("/api/no/such/thing")
    body = assert_problem(r, 404, "no resource")
    assert body["title"] == "Not Found"
    assert body["instance"] == "/api/no/such/thing"


def test_trailing_slash_is_not_the_resource(server):
    assert_problem(server.get("/healthz/"), 404)


def test_wrong_method_is_405_with_allow(server):
    r = server.request("DELETE", "/healthz")
    assert_problem(r, 405, "DELETE is not allowed")
    assert r.headers["Allow"] == "GET, HEAD"
    r = server.request("GET", "/testkit/echo")
    assert_problem(r, 405)
    assert r.headers["Allow"] == "POST"


def test_undeclared_query_parameter_is_400_naming_it(server):
    r = server.get("/healthz", params={"colour": "x"})
    assert_problem(r, 400, "query parameters", field="query.colour")


def test_tenant_id_in_query_or_body_is_422_never_used(server):
    r = server.get("/healthz", params={"tenant_id": "x"})
    assert_problem(r, 422, "tenant_id", field="query.tenant_id")
    r = server.request("POST", "/testkit/echo", json={"tenant_id": "x", "a": 1})
    assert_problem(r, 422, "tenant_id", field="tenant_id")


def test_declared_query_parameter_is_accepted_and_validated(server):
    r = server.get("/testkit/sleep", params={"ms": "0"})
    assert r.status_code == 200, r.text
    assert_problem(server.get("/testkit/sleep", params={"ms": "soon"}), 422, field="query.ms")


def test_protected_route_without_token_is_401(server):
    r = server.get("/testkit/protected")
    assert_problem(r, 401, "bearer token")
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_protected_route_with_unverifiable_token_is_401_invalid_token(server):
    r = server.get("/testkit/protected", headers={"Authorization": "Bearer abc.def.ghi"})
    assert_problem(r, 401)
    assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
