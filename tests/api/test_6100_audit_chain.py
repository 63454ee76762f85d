"""The audit log's tamper evidence and retention: the per-tenant hash chain, `verify` over the
API and the CLI, signed checkpoints, the JSON Lines export, and `crm audit purge`."""
import base64
import json

import pytest

from audittest import jws_payload, superuser, verify
from crmtest import Tenant, assert_problem, crm, default_key_set, run_sql


def cli(pg, *args):
    return crm("audit", *args, env={"CRM_DATABASE_URL": pg.url(),
                                    "CRM_JWT_KEYS": default_key_set()})


def busy_tenant(server, slug):
    """A tenant with some history: contacts created, changed and read."""
    t = Tenant(server, slug)
    for i in range(3):
        r = t.request("receptionist", "POST", "/api/v1/contacts",
                      json={"type": "patient", "first_name": f"Pat{i}", "last_name": "Chain"})
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        assert t.request("receptionist", "PATCH", f"/api/v1/contacts/{cid}",
                         headers={"If-Match": '"1"'}, json={"company": f"Co {i}"}).status_code == 200
        assert t.request("practitioner", "GET", f"/api/v1/contacts/{cid}").status_code == 200
    return t


def ids(pg, t):
    return [int(r[0]) for r in pg.sql(f"SELECT id FROM audit_log WHERE tenant_id = '{t.id}'"
                                      " ORDER BY id")]


def test_an_untouched_chain_verifies(server, pg):
    t = busy_tenant(server, "chain-ok")
    # the CLI first: finding the tenant by its slug is a platform call, logged in its chain
    out = cli(pg, "verify", "--tenant", "chain-ok")
    assert out.returncode == 0, out.stderr
    body = verify(t)
    assert json.loads(out.stdout) == body
    assert body == {"ok": True, "rows_checked": len(ids(pg, t)), "first_broken": None}
    assert body["rows_checked"] >= 9 + 5  # 3 creates, 3 updates, 3 reads, the users
    # each row's hash is SHA-256(previous hash || canonical row), starting from 32 zero bytes
    rows = pg.sql("SELECT encode(prev_hash, 'hex'), encode(hash, 'hex'),"
                  " encode(sha256(prev_hash || convert_to(jsonb_build_array(id, tenant_id,"
                  " (extract(epoch FROM occurred_at) * 1000000)::bigint, actor_id, actor, action,"
                  " entity_type, entity_id, subject_id, changes, request_id, client_ip,"
                  f" user_agent)::text, 'UTF8')), 'hex') FROM audit_log WHERE tenant_id = '{t.id}'"
                  " ORDER BY id")
    assert rows[0][0] == "0" * 64
    for before, row in zip(rows, rows[1:]):
        assert row[0] == before[1]
    assert all(r[1] == r[2] for r in rows)
    head = pg.sql(f"SELECT last_id, encode(head, 'hex'), rows_total FROM audit_heads"
                  f" WHERE tenant_id = '{t.id}'")
    assert head == [[str(ids(pg, t)[-1]), rows[-1][1], str(len(rows))]]


def test_a_superusers_edit_is_found(server, pg):
    t = busy_tenant(server, "chain-edit")
    target = ids(pg, t)[4]
    superuser(pg, f"UPDATE audit_log SET changes = '{{\"note\": \"nothing happened\"}}'"
                  f" WHERE tenant_id = '{t.id}' AND id = {target}")
    out = cli(pg, "verify", "--tenant", "chain-edit")
    assert out.returncode == 1
    body = verify(t)
    assert json.loads(out.stdout) == body
    assert body["ok"] is False
    assert body["first_broken"]["id"] == str(target)
    assert "changed" in body["first_broken"]["reason"]
    assert body["first_broken"]["occurred_at"]


def test_a_superusers_edit_that_also_rewrites_the_hash_is_found_at_the_next_row(server, pg):
    t = busy_tenant(server, "chain-rehash")
    target, after = ids(pg, t)[3:5]
    superuser(pg, f"UPDATE audit_log SET actor = 'nobody', hash = sha256('forged')"
                  f" WHERE tenant_id = '{t.id}' AND id = {target}")
    body = verify(t)
    assert body["ok"] is False and body["first_broken"]["id"] == str(target)
    # recomputing the row's own hash honestly still breaks the link to the next row
    superuser(pg, "UPDATE audit_log l SET hash = audit_link_of(l.prev_hash, l.id, l.tenant_id,"
                  " l.occurred_at, l.actor_id, l.actor, l.action, l.entity_type, l.entity_id,"
                  " l.subject_id, l.changes, l.request_id, l.client_ip, l.user_agent)"
                  f" WHERE tenant_id = '{t.id}' AND id = {target}")
    body = verify(t)
    assert body["ok"] is False and body["first_broken"]["id"] == str(after)
    assert "does not follow" in body["first_broken"]["reason"]


def test_a_superusers_deletion_is_found(server, pg):
    t = busy_tenant(server, "chain-delete")
    all_ids = ids(pg, t)
    superuser(pg, f"DELETE FROM audit_log WHERE tenant_id = '{t.id}' AND id = {all_ids[5]}")
    body = verify(t)
    assert body["ok"] is False
    assert body["first_broken"]["id"] == str(all_ids[6])
    assert "removed" in body["first_broken"]["reason"]


def test_removing_the_newest_rows_is_found(server, pg):
    t = busy_tenant(server, "chain-tail")
    all_ids = ids(pg, t)
    superuser(pg, f"DELETE FROM audit_log WHERE tenant_id = '{t.id}' AND id >= {all_ids[-2]}")
    body = verify(t)
    assert body["ok"] is False
    assert body["first_broken"]["id"] == str(all_ids[-1])
    assert "newest rows were removed" in body["first_broken"]["reason"]


def test_a_superusers_reordering_is_found(server, pg):
    t = busy_tenant(server, "chain-order")
    a, b = ids(pg, t)[2:4]
    # swap the two rows' times and everything else but their ids and hashes
    superuser(pg, f"UPDATE audit_log x SET occurred_at = y.occurred_at, action = y.action,"
                  f" entity_type = y.entity_type, entity_id = y.entity_id, changes = y.changes"
                  f" FROM audit_log y WHERE x.tenant_id = '{t.id}' AND y.tenant_id = x.tenant_id"
                  f" AND ((x.id = {a} AND y.id = {b}) OR (x.id = {b} AND y.id = {a}))")
    body = verify(t)
    assert body["ok"] is False and body["first_broken"]["id"] == str(a)
    # swapping the rows' ids and places (hashes and all) breaks the links instead
    t2 = busy_tenant(server, "chain-order2")
    a, b = ids(pg, t2)[2:4]
    superuser(pg, f"CREATE TEMP TABLE sw AS SELECT * FROM audit_log"
                  f" WHERE tenant_id = '{t2.id}' AND id IN ({a}, {b});"
                  f" DELETE FROM audit_log WHERE tenant_id = '{t2.id}' AND id IN ({a}, {b});"
                  f" UPDATE sw SET id = {a} + {b} - id, seq = (SELECT sum(seq) FROM sw) - seq;"
                  f" INSERT INTO audit_log OVERRIDING SYSTEM VALUE SELECT * FROM sw")
    body = verify(t2)
    assert body["ok"] is False and body["first_broken"]["id"] == str(a)


def test_the_chain_is_walked_by_place_when_ids_go_back(server, pg):
    """A tenant moved to a node whose ids are lower than its last ones (on a Citus cluster,
    each node draws from its own range): its chain goes on in order, and is checked in it."""
    t = busy_tenant(server, "chain-places")
    node = lambda sql: run_sql(pg.tenant_url(t.id), sql)  # noqa: E731
    low = int(node("SELECT last_value FROM audit_log_id_seq")[0][0])
    node(f"SELECT setval('audit_log_id_seq', {low + 10**9})")
    create = lambda name: t.request("receptionist", "POST", "/api/v1/contacts",  # noqa: E731
                                    json={"type": "lead", "first_name": name, "last_name": "Id"})
    assert create("High").status_code == 201
    node(f"SELECT setval('audit_log_id_seq', {low + 1000})")
    assert create("Low").status_code == 201
    node(f"SELECT setval('audit_log_id_seq', {low + 10**9 + 1000})")  # ids grow again after
    placed = [int(r[0]) for r in pg.sql(f"SELECT id FROM audit_log WHERE tenant_id = '{t.id}'"
                                        " ORDER BY seq")]
    assert placed != sorted(placed)  # the places are not the ids' order
    body = verify(t)
    assert body == {"ok": True, "rows_checked": len(placed), "first_broken": None}
    # the newest row, whose id is not the highest, is the head; removing it is found
    head = pg.sql(f"SELECT last_id FROM audit_heads WHERE tenant_id = '{t.id}'")
    assert int(head[0][0]) == placed[-1] < max(placed)
    superuser(pg, f"DELETE FROM audit_log WHERE tenant_id = '{t.id}' AND id = {placed[-1]}")
    body = verify(t)
    assert body["ok"] is False and "newest rows were removed" in body["first_broken"]["reason"]


def test_one_tenants_tampering_does_not_touch_anothers_chain(server, pg):
    t = Tenant(server, "chain-quiet")
    assert verify(t)["ok"] is True
    out = cli(pg, "verify")  # every tenant, one line each; some chains above are broken
    assert out.returncode == 1
    lines = {json.loads(l)["tenant"]: json.loads(l) for l in out.stdout.splitlines()}
    assert lines["chain-quiet"]["ok"] is True
    assert lines["chain-edit"]["ok"] is False


def test_signed_checkpoint_catches_a_rewritten_chain(server, pg):
    t = busy_tenant(server, "chain-cp")
    r = t.request("auditor", "GET", "/api/v1/audit/checkpoint")
    assert r.status_code == 200, r.text
    cp = r.json()
    token = cp["checkpoint"]
    claims = jws_payload(token)
    head = pg.sql(f"SELECT last_id, encode(head, 'hex'), rows_total FROM audit_heads"
                  f" WHERE tenant_id = '{t.id}'")[0]
    assert [claims["last_id"], claims["head"], str(claims["rows_total"])] == head
    assert claims["tid"] == t.id and cp["head"] == head[1]
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "audit-checkpoint+jwt"
    # it is no access token
    assert_problem(server.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)
    assert verify(t, checkpoint=token) == {"ok": True, "rows_checked": len(ids(pg, t)),
                                           "first_broken": None}
    # the newest row goes and the head is moved back with it: the chain alone looks fine ...
    last = ids(pg, t)[-1]
    superuser(pg, f"DELETE FROM audit_log WHERE tenant_id = '{t.id}' AND id >= {last};"
                  f" UPDATE audit_heads h SET last_id = p.id, last_seq = p.seq,"
                  f" last_at = p.occurred_at, head = p.hash, rows_total = h.rows_total - 1"
                  f" FROM (SELECT id, seq, occurred_at, hash FROM audit_log"
                  f" WHERE tenant_id = '{t.id}' ORDER BY id DESC LIMIT 1) p"
                  f" WHERE h.tenant_id = '{t.id}'")
    assert verify(t)["ok"] is True
    # ... but not against the checkpoint kept elsewhere
    body = verify(t, checkpoint=token)
    assert body["ok"] is False
    assert body["first_broken"]["id"] == claims["last_id"]
    assert "missing" in body["first_broken"]["reason"]


def test_checkpoint_from_the_cli_and_bad_checkpoints(server, pg, tmp_path):
    t = busy_tenant(server, "chain-cp2")
    other = Tenant(server, "chain-cp3")
    out = cli(pg, "checkpoint", "--tenant", "chain-cp2")
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip()
    assert jws_payload(token)["tid"] == t.id
    path = tmp_path / "cp.jwt"
    path.write_text(token + "\n")
    out = cli(pg, "verify", "--tenant", "chain-cp2", "--checkpoint", str(path))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ok"] is True
    # another tenant's checkpoint, a tampered one, an access token
    r = other.request("auditor", "GET", "/api/v1/audit/verify", params={"checkpoint": token})
    assert_problem(r, 400, field="query.checkpoint")
    h, p, s = token.split(".")
    claims = jws_payload(token)
    claims["head"] = "0" * 64
    forged = h + "." + base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=") + "." + s
    assert_problem(t.request("auditor", "GET", "/api/v1/audit/verify",
                             params={"checkpoint": forged}), 400, field="query.checkpoint")
    assert_problem(t.request("auditor", "GET", "/api/v1/audit/verify",
                             params={"checkpoint": t.tokens["admin"]}), 400,
                   field="query.checkpoint")
    assert_problem(t.request("auditor", "GET", "/api/v1/audit/verify",
                             params={"bogus": "1"}), 400)
    assert cli(pg, "checkpoint").returncode == 2  # --tenant is required
    assert crm("audit", "checkpoint", "--tenant", "chain-cp2",
               env={"CRM_DATABASE_URL": pg.url()}).returncode == 2  # no keys


def test_only_audit_readers_verify_export_or_checkpoint(server, pg):
    t = Tenant(server, "chain-roles")
    for path in ("/api/v1/audit/verify", "/api/v1/audit/export", "/api/v1/audit/checkpoint"):
        for role in ("receptionist", "practitioner", "sales", "viewer"):
            assert_problem(t.request(role, "GET", path), 403)
        assert t.request("admin", "GET", path).status_code == 200
        assert_problem(server.get(path), 401)


def test_export_streams_json_lines_with_the_chain_and_is_itself_audited(server, pg):
    t = busy_tenant(server, "chain-export")
    r = t.request("auditor", "GET", "/api/v1/audit/export")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/jsonl")
    assert "attachment" in r.headers["Content-Disposition"]
    lines = [json.loads(l) for l in r.text.splitlines()]
    assert [int(l["id"]) for l in lines] == ids(pg, t)[:len(lines)]
    # the export's first row is committed before the stream starts, so it is the last line;
    # its second row (how it ended) comes after
    assert len(lines) == len(ids(pg, t)) - 1
    assert lines[-1]["action"] == "export" and lines[-1]["changes"]["stage"] == "started"
    assert lines[0]["prev_hash"] == "0" * 64
    for before, row in zip(lines, lines[1:]):
        assert row["prev_hash"] == before["hash"]
    assert set(lines[0]) >= {"id", "occurred_at", "actor_id", "action", "entity_type",
                             "entity_id", "patient_id", "changes", "request_id", "client_ip",
                             "user_agent", "lane", "hash", "prev_hash"}
    assert {l["lane"] for l in lines} == {0}  # one chain unless the tenant asks for lanes
    # filters, as the list's; a user agent with a quote and a backslash survives intact
    ua = 'odd "agent" \\ 1.0'
    cid = t.request("receptionist", "POST", "/api/v1/contacts", headers={"User-Agent": ua},
                    json={"type": "lead", "first_name": "Quote", "last_name": "Marks"}).json()["id"]
    r = t.request("auditor", "GET", "/api/v1/audit/export",
                  params={"entity_type": "contacts", "entity_id": cid})
    got = [json.loads(l) for l in r.text.splitlines()]
    assert [g["action"] for g in got] == ["create"] and got[0]["user_agent"] == ua
    own = pg.sql(f"SELECT actor_id, changes::text FROM audit_log WHERE tenant_id = '{t.id}'"
                 " AND action = 'export' AND entity_type = 'audit_log' ORDER BY id")
    assert len(own) == 4 and {o[0] for o in own} == {t.users["auditor"]}
    started, finished = json.loads(own[0][1]), json.loads(own[1][1])
    assert started == {"stage": "started", "format": "jsonl", "filters": {}}
    assert finished == {"stage": "finished", "format": "jsonl", "filters": {},
                        "records": len(lines), "complete": True}
    assert json.loads(own[2][1])["filters"] == {"entity_type": "contacts", "entity_id": cid}
    assert_problem(t.request("auditor", "GET", "/api/v1/audit/export",
                             params={"action": "teleport"}), 400, field="query.action")
    assert verify(t)["ok"] is True


def test_contacts_csv_export_is_audited_with_its_filters_and_count(server, pg):
    t = busy_tenant(server, "chain-csv")
    r = t.request("admin", "GET", "/api/v1/contacts/export", params={"type": "patient"})
    assert r.status_code == 200
    rows = pg.sql(f"SELECT actor_id, changes::text FROM audit_log WHERE tenant_id = '{t.id}'"
                  " AND action = 'export' AND entity_type = 'contacts'")
    assert len(rows) == 2 and {r[0] for r in rows} == {t.users["admin"]}
    details = sorted((json.loads(r[1]) for r in rows), key=lambda d: d["stage"])
    assert details == [
        {"stage": "finished", "format": "csv", "filters": {"type": "patient"}, "records": 3,
         "complete": True},
        {"stage": "started", "format": "csv", "filters": {"type": "patient"}}]


def test_purge_removes_old_rows_keeps_the_chain_verifiable_and_only_past_retention(server, pg):
    t = busy_tenant(server, "chain-purge")
    before = ids(pg, t)
    # the default retention (six years) keeps everything
    out = cli(pg, "purge", "--tenant", "chain-purge")
    assert out.returncode == 0, out.stderr
    assert "purged 0 audit rows" in out.stdout
    assert ids(pg, t)[:-1] == before  # + the CLI's lookup of the tenant (a platform call)
    # nobody but the retention role deletes, and it only past the retention period
    for who in ("SET LOCAL ROLE crm_app;", "", "SET LOCAL ROLE crm_audit_retention;"):
        with pytest.raises(RuntimeError, match="append-only|permission denied"):
            pg.sql(f"BEGIN; {who} DELETE FROM audit_log WHERE tenant_id = '{t.id}'; COMMIT;")
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"audit_retention_days\": 0}}'"
           f" WHERE id = '{t.id}'")
    expected = len(ids(pg, t)) + 1  # all so far, and the CLI's lookup of the tenant
    out = cli(pg, "purge", "--tenant", "chain-purge")
    assert out.returncode == 0, out.stderr
    assert f"purged {expected} audit rows" in out.stdout
    left = pg.sql(f"SELECT action, entity_type, changes->>'purged' FROM audit_log"
                  f" WHERE tenant_id = '{t.id}'")
    assert left == [["delete", "audit_log", str(expected)]]
    cp = pg.sql(f"SELECT kind, rows_purged, rows_total FROM audit_checkpoints"
                f" WHERE tenant_id = '{t.id}'")
    assert cp == [["purge", str(expected), str(expected)]]
    body = verify(t)
    assert body == {"ok": True, "rows_checked": 1, "first_broken": None}
    # the chain goes on from the checkpoint
    pg.sql(f"UPDATE tenants SET settings = settings - 'audit_retention_days'"
           f" WHERE id = '{t.id}'")
    assert t.request("receptionist", "POST", "/api/v1/contacts",
                     json={"type": "lead", "first_name": "After", "last_name": "Purge"}
                     ).status_code == 201
    body = verify(t)
    assert body["ok"] is True and body["rows_checked"] == len(ids(pg, t))
    # every tenant at once
    out = cli(pg, "purge")
    assert out.returncode == 0 and "chain-purge: purged 0" in out.stdout
    assert cli(pg, "frobnicate").returncode == 2


def test_audit_reads_never_reach_another_tenant(server, pg):
    a = busy_tenant(server, "chain-iso-a")
    b = Tenant(server, "chain-iso-b")
    cid = pg.sql(f"SELECT entity_id FROM audit_log WHERE tenant_id = '{a.id}'"
                 " AND entity_type = 'contacts' LIMIT 1")[0][0]
    patient = pg.sql(f"SELECT subject_id FROM audit_log WHERE tenant_id = '{a.id}'"
                     " AND subject_id IS NOT NULL LIMIT 1")[0][0]
    for params in ({"entity_id": cid}, {"patient_id": patient}):
        r = b.request("auditor", "GET", "/api/v1/audit/export", params=params)
        assert r.status_code == 200 and r.text == ""
        r = b.request("auditor", "GET", "/api/v1/audit", params=params)
        assert r.status_code == 200 and r.json()["data"] == []
    # b's chain is b's own: its verify walks only its rows
    assert verify(b)["rows_checked"] == len(ids(pg, b))
    r = b.request("auditor", "GET", "/api/v1/audit/checkpoint")
    assert jws_payload(r.json()["checkpoint"])["tid"] == b.id
