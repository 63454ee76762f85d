"""Audit lanes: a tenant with `settings.audit_lanes` keeps its log as several hash chains,
each written, verified, checkpointed and purged like the single one. Which lane a write takes
is made certain by holding the other lanes' locks from another session."""
import json
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from audittest import RELINK, jws_payload, superuser, verify
from crmtest import Tenant, as_app, crm, default_key_set
from forge import secret_of, sign

LANES = 4


class LaneHolder:
    """A session holding some lanes of a tenant's log, as a writer in the middle of its commit
    would: the server's next write into that tenant takes a lane that is free."""

    def __init__(self, pg, tenant, lanes):
        self.proc = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-d",
                                      pg.tenant_url(tenant.id)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        keys = ", ".join(f"pg_advisory_lock(20747, audit_lane_key('{tenant.id}', {k}))"
                         for k in lanes)
        self.proc.stdin.write(f"SELECT {keys};\n\\echo held\n")
        self.proc.stdin.flush()
        while self.proc.stdout.readline().strip() != "held":
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.communicate("\\q\n", timeout=30)


def laned_tenant(server, pg, slug):
    t = Tenant(server, slug)
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"audit_lanes\": {LANES}}}'"
           f" WHERE id = '{t.id}'")
    return t


def write_in_lane(t, pg, lane, n=1):
    """n contacts created by the API while every other lane is held; their rows' lane."""
    with LaneHolder(pg, t, [k for k in range(LANES) if k != lane]):
        made = []
        for i in range(n):
            r = t.request("receptionist", "POST", "/api/v1/contacts",
                          json={"type": "patient", "first_name": f"Lane{lane}",
                                "last_name": f"Row{i}"})
            assert r.status_code == 201, r.text
            made.append(r.json()["id"])
    got = pg.sql("SELECT DISTINCT lane FROM audit_log WHERE entity_type = 'contacts'"
                 f" AND entity_id IN ({', '.join(repr(m) for m in made)})")
    return [int(g[0]) for g in got]


def rows(pg, t, lane=None):
    """(id, lane, prev_hash, hash) of the tenant's rows, in id order."""
    where = f" AND lane = {lane}" if lane is not None else ""
    return [(int(r[0]), int(r[1]), r[2], r[3]) for r in pg.sql(
        "SELECT id, lane, encode(prev_hash, 'hex'), encode(hash, 'hex') FROM audit_log"
        f" WHERE tenant_id = '{t.id}'{where} ORDER BY id")]


def busy_laned_tenant(server, pg, slug):
    """A tenant with lanes and a few rows in every lane."""
    t = laned_tenant(server, pg, slug)
    for lane in range(LANES):
        assert write_in_lane(t, pg, lane, n=2) == [lane]
    return t


def test_each_lane_is_a_chain_with_its_own_head_and_the_whole_verifies(server, pg):
    t = busy_laned_tenant(server, pg, "lanes-ok")
    # writers that find lanes busy take free ones: a burst from many connections
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda i: t.request(
            "receptionist", "POST", "/api/v1/contacts",
            json={"type": "lead", "first_name": "Burst", "last_name": str(i)}).status_code,
            range(24)))
    assert codes == [201] * 24
    all_rows = rows(pg, t)
    assert {r[1] for r in all_rows} == set(range(LANES))
    for lane in range(LANES):
        chain = [r for r in all_rows if r[1] == lane]
        assert chain[0][2] == "0" * 64
        for before, row in zip(chain, chain[1:]):
            assert row[2] == before[3]
        head = pg.sql("SELECT last_id, encode(head, 'hex'), rows_total FROM audit_heads"
                      f" WHERE tenant_id = '{t.id}' AND lane = {lane}")
        assert head == [[str(chain[-1][0]), chain[-1][3], str(len(chain))]]
    body = verify(t)
    assert body == {"ok": True, "rows_checked": len(all_rows), "first_broken": None}
    out = crm("audit", "verify", "--tenant", "lanes-ok",
              env={"CRM_DATABASE_URL": pg.url(), "CRM_JWT_KEYS": default_key_set()})
    assert out.returncode == 0 and json.loads(out.stdout)["ok"] is True, out.stdout + out.stderr
    # the export says which chain each row is in, so that each can be checked offline
    r = t.request("auditor", "GET", "/api/v1/audit/export")
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert [(int(x["id"]), x["lane"], x["prev_hash"], x["hash"]) for x in lines] == \
        rows(pg, t)[:len(lines)]


def test_a_removed_row_is_found_at_the_next_row_of_its_lane(server, pg):
    t = busy_laned_tenant(server, pg, "lanes-gap")
    write_in_lane(t, pg, 2, n=2)
    chain = [r[0] for r in rows(pg, t, lane=2)]
    # a row whose successor in the lane is not the next row in id order
    gone, after = next((a, b) for a, b in zip(chain[1:], chain[2:]) if b - a > 1)
    superuser(pg, f"DELETE FROM audit_log WHERE tenant_id = '{t.id}' AND id = {gone}")
    body = verify(t)
    assert body["ok"] is False and body["first_broken"]["id"] == str(after)
    assert "removed" in body["first_broken"]["reason"]


def test_an_edit_in_one_lane_is_found(server, pg):
    t = busy_laned_tenant(server, pg, "lanes-edit")
    target = rows(pg, t, lane=1)[0][0]
    superuser(pg, f"UPDATE audit_log SET actor = 'nobody' WHERE tenant_id = '{t.id}'"
                  f" AND id = {target}")
    body = verify(t)
    assert body["ok"] is False and body["first_broken"]["id"] == str(target)
    assert "changed" in body["first_broken"]["reason"]


def test_removing_a_lanes_newest_rows_is_found(server, pg):
    t = busy_laned_tenant(server, pg, "lanes-tail")
    last = rows(pg, t, lane=3)[-1][0]
    superuser(pg, f"DELETE FROM audit_log WHERE tenant_id = '{t.id}' AND id = {last}")
    body = verify(t)
    assert body["ok"] is False and body["first_broken"]["id"] == str(last)
    assert "newest rows were removed" in body["first_broken"]["reason"]


def test_a_chain_the_log_never_started_is_found(server, pg):
    t = busy_laned_tenant(server, pg, "lanes-forged")
    # a well-formed chain of one row in a lane nobody wrote: every link checks out
    superuser(pg, "DO $$ DECLARE l audit_log; BEGIN"
                  f" l.tenant_id := '{t.id}'; l.id := nextval('audit_log_id_seq');"
                  " l.occurred_at := now(); l.actor := 'ghost'; l.action := 'read';"
                  " l.entity_type := 'contacts'; l.entity_id := 'x'; l.lane := 9;"
                  " l.prev_hash := audit_genesis(); l.hash := audit_link(l.prev_hash, l);"
                  " INSERT INTO audit_log OVERRIDING SYSTEM VALUE SELECT (l).*; END $$")
    forged = pg.sql(f"SELECT id FROM audit_log WHERE tenant_id = '{t.id}' AND lane = 9")
    body = verify(t)
    assert body["ok"] is False and [[body["first_broken"]["id"]]] == forged
    assert "never started" in body["first_broken"]["reason"]


def test_a_checkpoint_holds_every_lanes_head_and_catches_a_rewritten_lane(server, pg):
    t = busy_laned_tenant(server, pg, "lanes-cp")
    r = t.request("auditor", "GET", "/api/v1/audit/checkpoint")
    assert r.status_code == 200, r.text
    claims = jws_payload(r.json()["checkpoint"])
    heads = pg.sql("SELECT lane, last_id, encode(head, 'hex') FROM audit_heads"
                   f" WHERE tenant_id = '{t.id}' ORDER BY lane")
    assert [[str(x["lane"]), x["last_id"], x["head"]] for x in claims["lanes"]] == heads
    assert claims["last_id"] == max(h[1] for h in heads)
    token = r.json()["checkpoint"]
    assert verify(t, checkpoint=token)["ok"] is True
    # lane 1's newest row removed and its head moved back: the chain alone still verifies
    last = rows(pg, t, lane=1)[-1][0]
    superuser(pg, f"DELETE FROM audit_log WHERE tenant_id = '{t.id}' AND id = {last};"
                  " UPDATE audit_heads h SET last_id = p.id, last_seq = p.seq,"
                  " last_at = p.occurred_at,"
                  " head = p.hash, rows_total = h.rows_total - 1"
                  f" FROM (SELECT * FROM audit_log WHERE tenant_id = '{t.id}' AND lane = 1"
                  " ORDER BY id DESC LIMIT 1) p"
                  f" WHERE h.tenant_id = '{t.id}' AND h.lane = 1")
    assert verify(t)["ok"] is True
    body = verify(t, checkpoint=token)
    assert body["ok"] is False and body["first_broken"]["id"] == str(last)
    assert "missing" in body["first_broken"]["reason"]


def test_a_checkpoint_from_before_lanes_is_checked_by_its_one_head(server, pg):
    t = busy_laned_tenant(server, pg, "lanes-old-cp")
    claims = jws_payload(t.request("auditor", "GET", "/api/v1/audit/checkpoint")
                         .json()["checkpoint"])
    del claims["lanes"]  # as issued before lanes existed: the newest row's id and hash
    with open(default_key_set()) as f:
        key = json.load(f)["keys"][0]
    token = sign({"alg": "HS256", "kid": key["kid"], "typ": "audit-checkpoint+jwt"}, claims,
                 "HS256", secret_of(key))
    assert verify(t, checkpoint=token)["ok"] is True
    # the newest row rewritten with an honest hash, its lane's head moved along: the chain
    # alone still verifies, the old checkpoint does not
    superuser(pg, "UPDATE audit_log l SET actor = 'nobody', actor_id = NULL"
                  f" WHERE tenant_id = '{t.id}' AND id = {claims['last_id']};"
                  f" UPDATE audit_log l SET hash = {RELINK}"
                  f" WHERE tenant_id = '{t.id}' AND id = {claims['last_id']};"
                  " UPDATE audit_heads h SET head = l.hash FROM audit_log l"
                  f" WHERE l.tenant_id = '{t.id}' AND l.id = {claims['last_id']}"
                  " AND h.tenant_id = l.tenant_id AND h.last_id = l.id")
    assert verify(t)["ok"] is True
    body = verify(t, checkpoint=token)
    assert body["ok"] is False and body["first_broken"]["id"] == claims["last_id"]
    assert "rewritten" in body["first_broken"]["reason"]


def test_purge_leaves_a_checkpoint_per_lane_and_every_lane_goes_on(server, pg):
    t = busy_laned_tenant(server, pg, "lanes-purge")
    per_lane = {lane: len(rows(pg, t, lane=lane)) for lane in range(LANES)}
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"audit_retention_days\": 0}}'"
           f" WHERE id = '{t.id}'")
    out = crm("audit", "purge", "--tenant", "lanes-purge",
              env={"CRM_DATABASE_URL": pg.url(), "CRM_JWT_KEYS": default_key_set()})
    assert out.returncode == 0, out.stderr
    marks = pg.sql("SELECT lane, rows_purged, rows_total FROM audit_checkpoints"
                   f" WHERE tenant_id = '{t.id}' ORDER BY lane")
    assert [int(m[0]) for m in marks] == list(range(LANES))
    assert all(m[1] == m[2] for m in marks)
    # and the settings change and the CLI's lookup of the tenant, in whichever lanes were free
    purged = [int(m[1]) - per_lane[k] for k, m in enumerate(marks)]
    assert min(purged) >= 0 and sum(purged) == 2
    assert verify(t)["ok"] is True
    pg.sql(f"UPDATE tenants SET settings = settings - 'audit_retention_days'"
           f" WHERE id = '{t.id}'")
    for lane in range(LANES):
        assert write_in_lane(t, pg, lane) == [lane]
    body = verify(t)
    assert body == {"ok": True, "rows_checked": len(rows(pg, t)), "first_broken": None}


def test_settings_that_are_not_a_lane_count_mean_one_chain(server, pg):
    t = Tenant(server, "lanes-odd")
    for value in ('"many"', "0", "-3", "2.5", "true"):
        pg.sql(f"UPDATE tenants SET settings = settings || '{{\"audit_lanes\": {value}}}'"
               f" WHERE id = '{t.id}'")
        r = t.request("receptionist", "POST", "/api/v1/contacts",
                      json={"type": "lead", "first_name": "Odd", "last_name": value})
        assert r.status_code == 201, r.text
    assert {r[1] for r in rows(pg, t)} == {0}
    # more lanes than there are is the most there are
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"audit_lanes\": 99}}'"
           f" WHERE id = '{t.id}'")
    with LaneHolder(pg, t, range(15)):
        assert t.request("receptionist", "POST", "/api/v1/contacts",
                         json={"type": "lead", "first_name": "Many", "last_name": "Lanes"}
                         ).status_code == 201
    assert max(r[1] for r in rows(pg, t)) == 15
    assert verify(t)["ok"] is True


def test_a_change_outside_read_committed_is_refused_not_chained_on_a_stale_head(server, pg):
    t = Tenant(server, "lanes-rr")
    before = rows(pg, t)
    for level in ("REPEATABLE READ", "SERIALIZABLE"):
        with pytest.raises(RuntimeError, match="read committed transactions only"):
            pg.sql(f"BEGIN ISOLATION LEVEL {level}; {as_app(t.id)}"
                   " INSERT INTO contacts (tenant_id, type, first_name)"
                   f" VALUES ('{t.id}', 'lead', 'Stale'); COMMIT;", each=True)
    assert rows(pg, t) == before
    assert pg.sql(f"SELECT count(*) FROM contacts WHERE tenant_id = '{t.id}'"
                  " AND first_name = 'Stale'") == [["0"]]
    assert verify(t)["ok"] is True
