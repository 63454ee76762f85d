"""If-Match on something that does not exist: RFC 9110 13.2.1 says preconditions are evaluated
only when the answer without them would be 2xx or 412, so an unknown id, or another tenant's,
is 404 whatever If-Match says, exactly as without it. Every route that takes If-Match (read
from /openapi.json) is tried; an existing record with a malformed or stale ETag is 412."""
import uuid

from crmtest import Tenant, assert_problem

IF_MATCH = ['"1"', '"999"', "garbage", 'W/"1"', '"x"', "*"]
BODIES = {"contacts": {"company": "x"}, "deals": {"title": "x"}, "activities": {"subject": "x"},
          "users": {"full_name": "x"}, "appointments": {"reason": "x"}, "inbox": {"handled": True}}


def if_match_routes(server):
    doc = server.get("/openapi.json").json()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and any(p.get("name") == "If-Match"
                                            for p in op.get("parameters", [])):
                yield method.upper(), path


def test_every_if_match_route_answers_404_for_unknown_and_foreign_ids(server):
    a = Tenant(server, "precond-a", modules=("clinic",))
    b = Tenant(server, "precond-b", modules=("clinic",))
    theirs = b.request("admin", "POST", "/api/v1/contacts",
                       json={"type": "lead", "first_name": "Theirs", "last_name": "Only"}).json()
    foreign = {"/api/v1/contacts/{id}": theirs["id"], "/api/v1/users/{id}": b.users["admin"]}
    routes = list(if_match_routes(server))
    assert len(routes) >= 8, routes
    for method, path in routes:
        if "{id}" not in path:
            continue  # the tenant's settings, which always exist (test_7300_settings_messages)
        ids = [str(uuid.uuid4())] + ([foreign[path]] if path in foreign else [])
        for rid in ids:
            url = path.replace("{id}", rid)
            body = BODIES[path.split("/")[3]] if method == "PATCH" else None
            without = a.request("admin", method, url, json=body)
            assert without.status_code in (404, 428), (method, path, without.text)
            for tag in IF_MATCH:
                r = a.request("admin", method, url, headers={"If-Match": tag}, json=body)
                if tag == "*" and without.status_code == 428:
                    assert_problem(r, 428)  # "*" is no ETag where one is required
                    continue
                assert_problem(r, 404)
                assert "ETag" not in r.headers


def test_a_malformed_etag_on_an_existing_record_is_412(server):
    t = Tenant(server, "precond-412")
    c = t.request("admin", "POST", "/api/v1/contacts",
                  json={"type": "lead", "first_name": "Stale", "last_name": "Tag"}).json()
    url = f"/api/v1/contacts/{c['id']}"
    for tag in ("garbage", '"x"', '"999"'):
        r = t.request("admin", "PATCH", url, headers={"If-Match": tag}, json={"company": "y"})
        assert_problem(r, 412)
    r = t.request("admin", "PATCH", f"/api/v1/users/{t.users['viewer']}",
                  headers={"If-Match": "garbage"}, json={"full_name": "Renamed"})
    assert_problem(r, 412)
    # "*" protects nothing against lost updates: where an ETag is required it is 428; where
    # If-Match is optional it only asks that the record exist
    r = t.request("admin", "PATCH", url, headers={"If-Match": "*"}, json={"company": "star"})
    assert_problem(r, 428)
    assert t.request("admin", "DELETE", url, headers={"If-Match": "garbage"}).status_code == 412
    assert t.request("admin", "DELETE", url, headers={"If-Match": "*"}).status_code == 204
