"""audittest.py - helpers of the audit chain tests: verify as the auditor, tamper as a
superuser, read a signed checkpoint's claims."""
import json

from forge import b64url_decode


def verify(t, **params):
    """GET /api/v1/audit/verify as the tenant's auditor; the body."""
    r = t.request("auditor", "GET", "/api/v1/audit/verify", params=params)
    assert r.status_code == 200, r.text
    return r.json()


# a row l's hash from its columns, as the chain computes it (a Citus shard's row is not of
# audit_log's type, which audit_link takes)
RELINK = ("audit_link_of(l.prev_hash, l.id, l.tenant_id, l.occurred_at, l.actor_id, l.actor,"
          " l.action, l.entity_type, l.entity_id, l.subject_id, l.changes, l.request_id,"
          " l.client_ip, l.user_agent)")


class Mark:
    """Each tenant's newest audit row at a moment: the rows a tenant writes later have higher
    ids in that tenant (on a Citus cluster each node draws ids from its own range, so ids grow
    within a tenant's node, not across the platform)."""

    def __init__(self, pg):
        self.ids = {r[0]: int(r[1]) for r in
                    pg.sql("SELECT tenant_id, max(id) FROM audit_log GROUP BY tenant_id")}

    def of(self, tenant_id):
        return self.ids.get(tenant_id, 0)

    def newer(self):
        """SQL: the row is newer than the mark, whatever its tenant."""
        whens = " ".join(f"WHEN '{t}' THEN {n}" for t, n in self.ids.items())
        return f"id > (CASE tenant_id::text {whens} ELSE 0 END)" if whens else "true"

    def __eq__(self, other):
        return isinstance(other, Mark) and self.ids == other.ids


def superuser(pg, sql):
    """A direct change by a superuser who switches the append-only trigger off, each step a
    transaction of its own (on a Citus cluster, the trigger of every shard, changed with
    citus.enable_unsafe_triggers, a placeholder on plain PostgreSQL; and not while the
    change's deferred audit triggers are pending on the workers)."""
    trigger = "SET citus.enable_unsafe_triggers = on; ALTER TABLE audit_log {} TRIGGER" \
              " audit_append_only;"
    pg.sql(trigger.format("DISABLE"), each=True)
    try:
        pg.sql(f"BEGIN; {sql}; COMMIT;", each=True)
    finally:
        pg.sql(trigger.format("ENABLE"), each=True)


def jws_payload(token):
    """The claims of a compact JWS, unverified."""
    return json.loads(b64url_decode(token.split(".")[1]))
