"""audittest.py - helpers of the audit chain tests: verify as the auditor, tamper as a
superuser, read a signed checkpoint's claims."""
import json

from forge import b64url_decode


def verify(t, **params):
    """GET /api/v1/audit/verify as the tenant's auditor; the body."""
    r = t.request("auditor", "GET", "/api/v1/audit/verify", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def superuser(pg, sql):
    """A direct change by a superuser who switches the append-only trigger off."""
    pg.sql("BEGIN; ALTER TABLE audit_log DISABLE TRIGGER audit_append_only;"
           f" {sql}; SET CONSTRAINTS ALL IMMEDIATE;"
           " ALTER TABLE audit_log ENABLE TRIGGER audit_append_only; COMMIT;")


def jws_payload(token):
    """The claims of a compact JWS, unverified."""
    return json.loads(b64url_decode(token.split(".")[1]))
