"""The audit log's change capture: a row per change in the same transaction, only the changed
fields, secrets masked, nothing from rolled-back work, append-only, on every tenant table."""
import json

import pytest

from crmtest import Tenant, as_app, assert_problem
from test_2600_isolation import tenant_tables

# Tables with tenant_id that have no audit trigger, and why.
NOT_AUDITED = {
    "audit_log": "the log itself",
    "audit_heads": "the log's hash-chain heads",
    "audit_checkpoints": "where the log's chain resumes after a purge",
    "refresh_tokens": "session plumbing; sign-ins and reuse are security events",
    "idempotency_keys": "a replay cache of responses to audited changes",
    "search_entries": "a derived copy of contacts, kept by trigger",
    "deal_stage_history": "derived by trigger from audited deal changes",
    "clinic_appointment_history": "derived by trigger from audited appointment changes",
    "outbox": "reminders derived by trigger from audited appointment changes",
    "tenant_anchors": "a tenant's one row for inserts to select from, made with the tenant",
}


@pytest.fixture(scope="module")
def t(server):
    t = Tenant(server, "audit-a")
    t.request("admin", "PUT", "/api/v1/modules/clinic", json={"enabled": True})
    return t


def audit(pg, where):
    rows = pg.sql("SELECT coalesce(json_agg(json_build_object('action', action, 'entity_type',"
                  " entity_type, 'entity_id', entity_id, 'actor_id', actor_id, 'actor', actor,"
                  " 'patient_id', subject_id, 'changes', changes, 'request_id', request_id,"
                  " 'client_ip', client_ip, 'user_agent', user_agent) ORDER BY id), '[]')"
                  f" FROM audit_log WHERE {where}")
    return json.loads(rows[0][0])


def test_every_tenant_table_is_audited(server, pg):
    tables = set(tenant_tables(pg)) | {"tenants"}
    audited = {r[0] for r in pg.sql("SELECT event_object_table FROM information_schema.triggers"
                                    " WHERE trigger_name = 'audit'")}
    missing = tables - audited - set(NOT_AUDITED)
    assert not missing, f"tables without the audit trigger: {missing}"
    assert not set(NOT_AUDITED) & audited
    assert {"contacts", "users", "clinic_appointments", "tenants"} <= audited


def test_a_change_records_who_what_and_from_where(t, pg):
    r = t.request("receptionist", "POST", "/api/v1/contacts",
                  json={"type": "patient", "first_name": "Ann", "last_name": "Able"},
                  headers={"User-Agent": "front-desk/1.0", "X-Request-Id": "audit-test-create"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = t.request("receptionist", "PATCH", f"/api/v1/contacts/{cid}",
                  headers={"If-Match": '"1"', "User-Agent": "front-desk/1.0"},
                  json={"last_name": "Baker", "first_name": "Ann"})
    assert r.status_code == 200, r.text
    rows = audit(pg, f"entity_id = '{cid}'")
    assert [x["action"] for x in rows] == ["create", "update"]
    create, update = rows
    assert create["request_id"] == "audit-test-create" and create["changes"] is None
    assert update["changes"] == {"last_name": {"before": "Able", "after": "Baker"}}
    for x in rows:
        assert x["actor_id"] == t.users["receptionist"] and x["actor"] is None
        assert x["entity_type"] == "contacts" and x["patient_id"] == cid
        assert x["client_ip"] == "127.0.0.1" and x["user_agent"] == "front-desk/1.0"


def test_patient_records_are_marked_and_leads_are_not(t, pg):
    lead = t.request("sales", "POST", "/api/v1/contacts",
                     json={"type": "lead", "last_name": "Lead"}).json()["id"]
    assert audit(pg, f"entity_id = '{lead}'")[0]["patient_id"] is None
    patient = t.request("receptionist", "POST", "/api/v1/contacts",
                        json={"type": "patient", "last_name": "Pat"}).json()["id"]
    r = t.request("receptionist", "POST", "/api/v1/appointments", json={
        "patient_id": patient, "practitioner_id": t.users["practitioner"],
        "appointment_time": "2027-09-01T09:00:00+00:00", "duration_minutes": 20})
    assert r.status_code == 201, r.text
    row = audit(pg, f"entity_id = '{r.json()['id']}'")
    assert row[0]["entity_type"] == "clinic_appointments" and row[0]["patient_id"] == patient


def test_secrets_are_masked(t, pg):
    r = t.request("admin", "POST", "/api/v1/users", json={
        "email": "changes@audit-a.test", "full_name": "Changes Password", "role": "viewer",
        "password": "an-initial-secret-2027"})
    assert r.status_code == 201, r.text
    uid = r.json()["id"]  # not a signed-in user: a new password revokes that user's tokens
    r = t.request("admin", "PATCH", f"/api/v1/users/{uid}", headers={"If-Match": '"1"'},
                  json={"password": "a-much-longer-secret-2027"})
    assert r.status_code == 200, r.text
    rows = audit(pg, f"entity_id = '{uid}' AND action = 'update'")
    assert rows and rows[-1]["changes"]["password_hash"] == {"before": "[masked]",
                                                             "after": "[masked]"}
    leaked = pg.sql("SELECT count(*) FROM audit_log WHERE changes::text LIKE '%argon2%'"
                    " OR changes::text LIKE '%\\\\x%'")
    assert leaked == [["0"]]


def test_rolled_back_work_leaves_no_row_and_erasure_keeps_no_values(t, pg):
    p = t.request("receptionist", "POST", "/api/v1/contacts",
                  json={"type": "patient", "last_name": "Kept"}).json()["id"]
    r = t.request("receptionist", "POST", "/api/v1/appointments", json={
        "patient_id": p, "practitioner_id": t.users["practitioner"],
        "appointment_time": "2027-09-02T09:00:00+00:00", "duration_minutes": 20})
    assert r.status_code == 201
    # the clinic refuses the erasure after the core's changes ran: all of it rolls back
    assert_problem(t.request("admin", "POST", f"/api/v1/contacts/{p}/erase"), 409)
    assert [x["action"] for x in audit(pg, f"entity_id = '{p}'")] == ["create"]
    gone = t.request("receptionist", "POST", "/api/v1/contacts", json={
        "type": "lead", "first_name": "Secret", "last_name": "Person"}).json()["id"]
    r = t.request("admin", "POST", f"/api/v1/contacts/{gone}/erase")
    assert r.status_code in (200, 204), r.text
    rows = audit(pg, f"entity_id = '{gone}' AND action = 'erase'")
    assert len(rows) == 1 and "Person" not in json.dumps(rows)
    assert rows[0]["changes"]["last_name"] == {"before": "[erased]", "after": None}


def test_the_log_is_append_only_and_tenant_scoped(t, pg, server):
    some = pg.sql(f"SELECT id FROM audit_log WHERE tenant_id = '{t.id}' LIMIT 1")[0][0]
    setting = f"SELECT set_config('app.tenant_id', '{t.id}', true);"
    for stmt in (f"UPDATE audit_log SET action = 'read' WHERE id = {some}",
                 f"DELETE FROM audit_log WHERE id = {some}",
                 "INSERT INTO audit_log (tenant_id, action, entity_type) VALUES"
                 f" ('{t.id}', 'read', 'x')", "TRUNCATE audit_log"):
        with pytest.raises(RuntimeError, match="permission denied"):
            pg.sql(f"BEGIN; SET LOCAL ROLE crm_app; {setting} {stmt}; COMMIT;")
    # not even the owner or a superuser edits it
    for stmt in (f"UPDATE audit_log SET action = 'read' WHERE id = {some}",
                 f"DELETE FROM audit_log WHERE id = {some}", "TRUNCATE audit_log"):
        with pytest.raises(RuntimeError, match="append-only"):
            pg.sql(stmt)
    other = Tenant(server, "audit-b")
    seen = pg.sql(f"BEGIN; {as_app(other.id)} SELECT count(*) FROM audit_log"
                  f" WHERE tenant_id = '{t.id}'; COMMIT;", each=True)
    assert seen[-1] == ["0"]
    mine = pg.sql(f"BEGIN; {as_app(t.id)} SELECT count(*) > 0 FROM audit_log; COMMIT;",
                  each=True)
    assert mine[-1] == ["t"]


def test_the_app_role_names_only_its_own_tenant_to_the_audit_functions(t, pg, server):
    """The audit functions take the tenant as a value (so that Citus runs them on its node);
    one other than the transaction's is refused, and nothing is written."""
    other = Tenant(server, "audit-named")
    before = audit(pg, f"tenant_id = '{other.id}'")
    for call in (f"audit_read('{other.id}', 'read', 'contacts', NULL, NULL, NULL)",
                 f"audit_page('{other.id}', 'contacts', '{{}}', ARRAY[gen_random_uuid()], 1)",
                 f"audit_security('{other.id}', 'login_failed', '{{}}')"):
        with pytest.raises(RuntimeError, match="another tenant"):
            pg.sql(f"BEGIN; {as_app(t.id)} SELECT {call}; COMMIT;", each=True)
    assert audit(pg, f"tenant_id = '{other.id}'") == before
    # its own tenant, named, is written as before
    pg.sql(f"BEGIN; {as_app(t.id)} SELECT audit_security('{t.id}', 'probe', '{{}}'); COMMIT;",
           each=True)
    assert audit(pg, f"tenant_id = '{t.id}' AND entity_id = 'probe'")


def test_platform_and_cli_changes_name_themselves(t, pg):
    rows = audit(pg, f"entity_type = 'tenants' AND entity_id = '{t.id}'")
    assert rows[0]["action"] == "create" and rows[0]["actor_id"] is None and rows[0]["actor"]


def test_reads_of_patients_are_logged_and_of_leads_only_by_setting(t, pg):
    patient = t.request("receptionist", "POST", "/api/v1/contacts",
                        json={"type": "patient", "last_name": "Seen"}).json()["id"]
    lead = t.request("sales", "POST", "/api/v1/contacts",
                     json={"type": "lead", "last_name": "Unseen"}).json()["id"]
    for cid in (patient, lead):
        assert t.request("admin", "GET", f"/api/v1/contacts/{cid}").status_code == 200
        assert t.request("admin", "GET", f"/api/v1/contacts/{cid}/timeline").status_code == 200
        assert t.request("admin", "GET", f"/api/v1/contacts/{cid}/export").status_code == 200
    rows = audit(pg, f"entity_id = '{patient}' AND action IN ('read', 'export')")
    assert [(x["action"], x["changes"]) for x in rows] == [
        ("read", None), ("read", {"view": "timeline"}), ("export", {"view": "gdpr-export"})]
    assert all(x["patient_id"] == patient and x["actor_id"] == t.users["admin"] for x in rows)
    assert audit(pg, f"entity_id = '{lead}' AND action <> 'create'") == []
    # a 404 reads nothing
    t.request("admin", "GET", "/api/v1/contacts/00000000-0000-0000-0000-000000000000")
    assert audit(pg, "entity_id = '00000000-0000-0000-0000-000000000000'") == []
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"audit_all_reads\": true}}'"
           f" WHERE id = '{t.id}'")
    try:
        t.request("sales", "GET", f"/api/v1/contacts/{lead}")
        rows = audit(pg, f"entity_id = '{lead}' AND action = 'read'")
        assert len(rows) == 1 and rows[0]["patient_id"] is None
    finally:
        pg.sql(f"UPDATE tenants SET settings = settings - 'audit_all_reads' WHERE id = '{t.id}'")


def test_appointment_and_fhir_reads_are_logged(t, pg):
    patient = t.request("receptionist", "POST", "/api/v1/contacts",
                        json={"type": "patient", "last_name": "Fhir"}).json()["id"]
    r = t.request("receptionist", "POST", "/api/v1/appointments", json={
        "patient_id": patient, "practitioner_id": t.users["practitioner"],
        "appointment_time": "2027-09-03T09:00:00+00:00", "duration_minutes": 20})
    aid = r.json()["id"]
    assert t.request("practitioner", "GET", f"/api/v1/appointments/{aid}").status_code == 200
    assert t.request("practitioner", "GET", f"/fhir/R4/Appointment/{aid}").status_code == 200
    assert t.request("practitioner", "GET", f"/fhir/R4/Patient/{patient}").status_code == 200
    r = t.request("practitioner", "GET", "/fhir/R4/Appointment",
                  params=[("patient", patient), ("date", "ge2027-09-01")])
    assert r.status_code == 200
    rows = audit(pg, f"subject_id = '{patient}' AND action IN ('read', 'search')")
    assert [(x["action"], x["entity_type"]) for x in rows] == [
        ("read", "clinic_appointments"), ("read", "clinic_appointments"), ("read", "contacts"),
        ("search", "clinic_appointments")]
    assert rows[-1]["changes"]["query"]["date"] == ["ge2027-09-01"]
    assert all(x["actor_id"] == t.users["practitioner"] for x in rows)


def test_the_audit_api(t, pg, server):
    cid = t.request("receptionist", "POST", "/api/v1/contacts",
                    json={"type": "patient", "last_name": "Listed"}).json()["id"]
    t.request("receptionist", "PATCH", f"/api/v1/contacts/{cid}", headers={"If-Match": '"1"'},
              json={"last_name": "Relisted"})
    t.request("admin", "GET", f"/api/v1/contacts/{cid}")
    r = t.request("auditor", "GET", "/api/v1/audit", params={"entity_id": cid, "limit": "2"})
    assert r.status_code == 200, r.text
    page = r.json()
    assert [x["action"] for x in page["data"]] == ["read", "update"] and page["next_cursor"]
    assert set(page["data"][0]) == {"id", "occurred_at", "actor_id", "actor", "action",
                                    "entity_type", "entity_id", "subject_id", "patient_id",
                                    "changes", "request_id", "client_ip", "user_agent"}
    rest = t.request("admin", "GET", "/api/v1/audit",
                     params={"entity_id": cid, "cursor": page["next_cursor"], "limit": "2"}).json()
    assert [x["action"] for x in rest["data"]] == ["create"] and rest["next_cursor"] is None
    by = t.request("admin", "GET", "/api/v1/audit", params={
        "patient_id": cid, "action": "update", "actor_id": t.users["receptionist"],
        "entity_type": "contacts", "from": "2020-01-01T00:00:00Z",
        "to": "2100-01-01T00:00:00Z"}).json()
    assert len(by["data"]) == 1
    # a contact's history: its changes, not its reads, for anyone who may read contacts
    h = t.request("sales", "GET", f"/api/v1/contacts/{cid}/history")
    assert h.status_code == 200, h.text
    assert [x["action"] for x in h.json()["data"]] == ["update", "create"]
    assert h.json()["data"][0]["changes"] == {"last_name": {"before": "Listed",
                                                            "after": "Relisted"}}
    assert_problem(t.request("sales", "GET",
                             "/api/v1/contacts/00000000-0000-0000-0000-000000000000/history"), 404)
    # who may read it; bad filters; another tenant sees nothing of it
    for role in ("practitioner", "receptionist", "sales", "viewer"):
        assert_problem(t.request(role, "GET", "/api/v1/audit"), 403)
    assert_problem(t.request("auditor", "GET", f"/api/v1/contacts/{cid}"), 403)
    for params, field in [({"actor_id": "x"}, "query.actor_id"),
                          ({"action": "peek"}, "query.action"),
                          ({"from": "yesterday"}, "query.from"),
                          ({"patient_id": "1"}, "query.patient_id")]:
        assert_problem(t.request("admin", "GET", "/api/v1/audit", params=params), 400,
                       field=field)
    assert_problem(t.request("admin", "GET", "/api/v1/audit", params={"cursor": "forged"}), 400)
    other = Tenant(server, "audit-c")
    r = other.request("admin", "GET", "/api/v1/audit", params={"entity_id": cid})
    assert r.status_code == 200 and r.json()["data"] == [], r.text
    assert_problem(other.request("admin", "GET", f"/api/v1/contacts/{cid}/history"), 404)


def test_history_is_gone_with_erasure_and_a_patient_s_is_an_audited_read(t, pg):
    p = t.request("receptionist", "POST", "/api/v1/contacts",
                  json={"type": "patient", "first_name": "Hist", "last_name": "Orian"}).json()
    pid = p["id"]
    etag = t.request("receptionist", "GET", f"/api/v1/contacts/{pid}").headers["ETag"]
    t.request("receptionist", "PATCH", f"/api/v1/contacts/{pid}", headers={"If-Match": etag},
              json={"last_name": "Revised"})
    h = t.request("admin", "GET", f"/api/v1/contacts/{pid}/history")
    assert h.status_code == 200 and "Orian" in h.text
    reads = audit(pg, f"entity_id = '{pid}' AND action = 'read'"
                      " AND changes ->> 'view' = 'history'")
    assert len(reads) == 1 and reads[0]["patient_id"] == pid
    assert reads[0]["actor_id"] == t.users["admin"]
    assert t.request("admin", "POST", f"/api/v1/contacts/{pid}/erase").status_code == 200
    assert_problem(t.request("admin", "GET", f"/api/v1/contacts/{pid}/history"), 404)
    # the refused read is not logged as one
    assert len(audit(pg, f"entity_id = '{pid}' AND changes ->> 'view' = 'history'")) == 1


def test_security_definer_functions_pin_their_search_path(pg):
    rows = pg.sql("SELECT p.oid::regprocedure, coalesce(array_to_string(p.proconfig, ' '), '')"
                  " FROM pg_proc p WHERE p.prosecdef"
                  " AND p.pronamespace = 'public'::regnamespace ORDER BY 1")
    assert len(rows) >= 12
    wrong = [r for r in rows if "search_path=public, pg_temp" not in r[1]]
    assert wrong == [], wrong


def test_erasure_blanks_the_contact_s_values_in_the_log_and_the_chain_still_verifies(t, pg):
    from audittest import superuser, verify
    p = t.request("receptionist", "POST", "/api/v1/contacts",
                  json={"type": "patient", "first_name": "Forget", "last_name": "Mee",
                        "email": "forget.mee@example.com"}).json()
    pid = p["id"]
    etag = t.request("receptionist", "GET", f"/api/v1/contacts/{pid}").headers["ETag"]
    t.request("receptionist", "PATCH", f"/api/v1/contacts/{pid}", headers={"If-Match": etag},
              json={"last_name": "Meee", "phone": "+447700900123"})
    before = t.request("admin", "GET", "/api/v1/audit", params={"entity_id": pid}).text
    assert "Meee" in before and "+447700900123" in before
    assert verify(t)["ok"] is True
    assert t.request("admin", "POST", f"/api/v1/contacts/{pid}/erase").status_code == 200
    after = t.request("admin", "GET", "/api/v1/audit",
                      params={"entity_id": pid, "limit": "200"}).json()["data"]
    text = json.dumps(after)
    for value in ("Forget", "Meee", "Mee\"", "forget.mee", "+447700900123"):
        assert value not in text, value
    update = [e for e in after if e["action"] == "update" and e["entity_type"] == "contacts"]
    assert update[0]["changes"]["last_name"] == {"before": "[erased]", "after": "[erased]"}
    assert set(update[0]["changes"]) == {"last_name", "phone"}  # field names stay
    record = [e for e in after if e["entity_type"] == "audit_log" and e["action"] == "erase"]
    assert len(record) == 1 and record[0]["patient_id"] == pid
    assert len(record[0]["changes"]["rows"]) >= 1
    # the chain still verifies: redacted rows are checked against the erase row naming them
    assert verify(t)["ok"] is True
    # marking another row redacted, without a chained row naming it, breaks the chain
    other = pg.sql(f"SELECT id FROM audit_log WHERE tenant_id = '{t.id}'"
                   " AND redacted_at IS NULL ORDER BY id LIMIT 1")[0][0]
    mark = f"UPDATE audit_log SET redacted_at = {{}} WHERE tenant_id = '{t.id}' AND id = {other}"
    superuser(pg, mark.format("now()"))
    try:
        bad = verify(t)
        assert bad["ok"] is False and bad["first_broken"]["id"] == other
    finally:
        superuser(pg, mark.format("NULL"))
    assert verify(t)["ok"] is True
    # nobody else may redact: the app role cannot update the log, nor the owner outside it
    try:
        pg.sql(f"UPDATE audit_log SET changes = '{{}}' WHERE id = {other}", user="crm")
        raise AssertionError("the owner rewrote an audit row")
    except RuntimeError as e:
        assert "append-only" in str(e) or "permission" in str(e) or "policy" in str(e)
