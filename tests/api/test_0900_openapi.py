"""The OpenAPI document and the Swagger UI served at /docs."""
import json
import os
import re
import subprocess
import tempfile

from crmtest import ROOT, assert_problem, crm

REDOCLY = os.path.join(ROOT, "tools", "node_modules", ".bin", "redocly")


def test_openapi_document_is_served_with_etag(server):
    r = server.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["version"] == crm("version").stdout.split()[1]
    assert "Problem" in doc["components"]["schemas"]
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/{asset}"]:
        assert "get" in doc["paths"][path], path
    etag = r.headers["ETag"]
    again = server.get("/openapi.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_cli_prints_the_served_document(server):
    out = crm("openapi")
    assert out.returncode == 0
    assert json.loads(out.stdout) == server.get("/openapi.json").json()


def test_openapi_document_passes_redocly_lint(server):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(server.get("/openapi.json").text)
    out = subprocess.run([REDOCLY, "lint", "--format=stylish", f.name], capture_output=True,
                         text=True, cwd=os.path.join(ROOT, "tools"), timeout=120)
    os.unlink(f.name)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not re.search(r"You have \d+ warning", out.stdout + out.stderr), out.stdout + out.stderr


def test_swagger_ui_is_served_locally(server):
    r = server.get("/docs")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "/docs/swagger-ui-bundle.js" in r.text
    assert "https://" not in r.text and "http://" not in r.text  # no CDN
    js = server.get("/docs/swagger-ui-bundle.js")
    assert js.status_code == 200
    assert js.headers["Content-Type"].startswith("text/javascript")
    assert len(js.content) > 100_000
    css = server.get("/docs/swagger-ui.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    init = server.get("/docs/swagger-initializer.js")
    assert "/openapi.json" in init.text


def test_docs_serve_only_the_listed_files(server):
    assert_problem(server.get("/docs/package.json"), 404)
    assert_problem(server.get("/docs/..%2Fpackage.json"), 404)
    assert_problem(server.get("/docs/swagger-ui-bundle.js.map"), 404)


def test_role_names_are_those_the_modules_declare(server, tenants):
    """RoleName's enum is filled in from the roles the core and the modules declare."""
    doc = server.get("/openapi.json").json()
    listed = [r["name"] for r in tenants[0].request("admin", "GET", "/api/v1/roles").json()["data"]]
    assert doc["components"]["schemas"]["RoleName"]["enum"] == listed
    assert listed[0] == "admin" and {"sales", "viewer", "auditor"} <= set(listed)


def test_contact_types_are_those_the_modules_declare(server):
    """ContactType's enum is filled in from the contact types the core and the modules declare
    (the testkit's volunteer in the test build); every place a type goes refers to it."""
    doc = server.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert schemas["ContactType"]["enum"] == ["lead", "customer", "patient", "volunteer"]
    ref = {"$ref": "#/components/schemas/ContactType"}
    assert schemas["Contact"]["properties"]["type"] == ref
    assert schemas["ContactInput"]["properties"]["type"] == ref
    for path in ["/api/v1/contacts", "/api/v1/contacts/export"]:
        params = {p.get("name"): p for p in doc["paths"][path]["get"]["parameters"]}
        assert params["type"]["schema"] == ref


def test_the_audit_subject_is_documented_with_its_first_name_deprecated(server):
    doc = server.get("/openapi.json").json()
    entry = doc["components"]["schemas"]["AuditEntry"]["properties"]
    assert entry["subject_id"]["format"] == "uuid" and "deprecated" not in entry["subject_id"]
    assert entry["patient_id"]["deprecated"] is True
    for path in ["/api/v1/audit", "/api/v1/audit/export"]:
        params = {p.get("name"): p for p in doc["paths"][path]["get"]["parameters"]}
        assert "deprecated" not in params["subject_id"]
        assert params["patient_id"]["deprecated"] is True
        assert {"subject_id", "patient_id"} <= set(doc["paths"][path]["get"]["x-query"])
