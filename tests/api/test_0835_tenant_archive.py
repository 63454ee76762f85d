"""crm tenant export and import: one tenant with every kind of record moved between two
clusters, both ways. The archive holds that tenant's rows and no one else's; the import is one
transaction that refuses a damaged archive, another schema, a tenant that exists, rows of
another tenant and an SMS number of another tenant, leaving nothing behind; the moved tenant's
audit chain verifies where it lands and its users sign in there."""
import csv
import datetime
import hashlib
import io
import json
import os
import tarfile
import time

import pytest

from crmtest import PASSWORD, Postgres, Tenant, crm, login, platform

pytestmark = pytest.mark.clinic

UTC = datetime.timezone.utc
NUMBER = "+447700900831"  # assigned to the rich tenant
SHARED = "+447700900832"  # assigned on both sides: the second import must wait for it


def at(days, hour=10):
    d = datetime.datetime.now(UTC) + datetime.timedelta(days=days)
    return d.replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


def ok(r, status=(200, 201)):
    assert r.status_code in ((status,) if isinstance(status, int) else status), r.text
    return r.json() if r.content else None


def populate(t, pg):
    """Every kind of record the core and the clinic keep, made as staff make them."""
    doc = t.users["practitioner"]
    ok(t.request("admin", "POST", "/api/v1/custom-fields",
                 json={"entity": "contact", "name": "insurer", "label": "Insurer",
                       "type": "text", "required": False}))
    people = [ok(t.request("receptionist", "POST", "/api/v1/contacts", json={
        "type": "patient", "first_name": f"Zoë {i}", "last_name": "O'Archive, \"Jr\"\nSecond",
        "phone": f"+44 7700 9008{i:02d}", "email": f"p{i}@archive.example",
        "custom_fields": {"insurer": "Bupa"},
        "consent": {"sms_reminders": True, "email_reminders": True}})) for i in range(6)]
    source = ok(t.request("receptionist", "POST", "/api/v1/contacts",
                          json={"type": "lead", "first_name": "Dupe", "last_name": "Record"}))
    ok(t.request("receptionist", "POST", f"/api/v1/contacts/{people[0]['id']}/merge",
                 json={"source_id": source["id"]}))
    pipeline = ok(t.request("admin", "GET", "/api/v1/pipelines"))["data"][0]
    deal = ok(t.request("sales", "POST", "/api/v1/deals", json={
        "title": "Implant plan", "contact_id": people[1]["id"], "pipeline_id": pipeline["id"],
        "amount_minor": 250000, "currency": "GBP"}))
    cur = t.request("sales", "GET", f"/api/v1/deals/{deal['id']}")
    ok(t.request("sales", "PATCH", f"/api/v1/deals/{deal['id']}",
                 headers={"If-Match": cur.headers["ETag"]},
                 json={"stage_id": pipeline["stages"][1]["id"]}))
    ok(t.request("receptionist", "POST", "/api/v1/activities", json={
        "type": "task", "subject": "Call back", "contact_id": people[1]["id"],
        "deal_id": deal["id"], "due_at": at(1), "assigned_to": t.users["receptionist"]}))
    ok(t.request("receptionist", "POST", "/api/v1/activities", json={
        "type": "note", "subject": "Prefers mornings", "contact_id": people[2]["id"]},
        headers={"Idempotency-Key": "archive-note-1"}))
    ok(t.request("admin", "PUT", f"/api/v1/practitioners/{doc}/schedule",
                 json={"weekly": [{"weekday": d, "start": "08:00", "end": "18:00"}
                                  for d in range(1, 8)]}))
    ok(t.request("receptionist", "POST", f"/api/v1/practitioners/{doc}/schedule/exceptions",
                 json={"date": "2031-01-02", "kind": "off", "start": "13:00", "end": "15:00",
                       "reason": "training"}))
    ok(t.request("admin", "POST", f"/api/v1/practitioners/{doc}/calendar-token"))
    booked = [ok(t.request("receptionist", "POST", "/api/v1/appointments", json={
        "patient_id": p["id"], "practitioner_id": doc, "appointment_time": at(3 + i),
        "duration_minutes": 30})) for i, p in enumerate(people[:4])]
    cur = t.request("receptionist", "GET", f"/api/v1/appointments/{booked[0]['id']}")
    ok(t.request("receptionist", "PATCH", f"/api/v1/appointments/{booked[0]['id']}",
                 headers={"If-Match": cur.headers["ETag"]}, json={"status": "cancelled"}))
    ok(t.request("admin", "PUT", "/api/v1/message-templates/appointment.reminder/sms",
                 json={"body": "Hi {{ patient.first_name }}, see you soon"}))
    ok(platform(t.server, "PATCH", f"/platform/v1/tenants/{t.id}",
                json={"sms_senders": [NUMBER]}))
    pg.sql("INSERT INTO inbound_messages (tenant_id, contact_id, channel, sender, recipient, body,"
           f" provider_id, intent) VALUES ('{t.id}', '{people[3]['id']}', 'sms', '+447700900803',"
           f" '{NUMBER}', 'Running late', 'SMarchive1', 'other')")
    ok(t.request("admin", "GET", f"/api/v1/contacts/{people[1]['id']}"))  # an audited read


def tenant_tables(pg):
    """The tables of tenants' rows: what an archive must carry."""
    rows = pg.sql("SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"
                  " AND c.relkind = 'r' AND (c.relname = 'tenants' OR EXISTS (SELECT 1 FROM"
                  " pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'))")
    return sorted(r[0] for r in rows)


def counts(pg, tenant_id):
    """Rows of the tenant in each of those tables, as the superuser."""
    out = {}
    for table in tenant_tables(pg):
        key = "id" if table == "tenants" else "tenant_id"
        out[table] = int(pg.sql(f"SELECT count(*) FROM {table} WHERE {key} = '{tenant_id}'")[0][0])
    return out


def members(path):
    with tarfile.open(path) as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]


def rewrite(src, dst, change):
    """A copy of archive src with change(name, data) -> data (None: left out) applied."""
    with tarfile.open(dst, "w", format=tarfile.USTAR_FORMAT) as out:
        for name, data in members(src):
            data = change(name, data)
            if data is not None:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                out.addfile(info, io.BytesIO(data))


def reseal(entries, table, data, rows=None):
    """The manifest of entries after table's CSV became data (of rows rows)."""
    manifest = json.loads(dict(entries)["manifest.json"])
    for f in manifest["tables"]:
        if f["table"] == table:
            f["rows"] = f["rows"] if rows is None else rows
            f["bytes"] = len(data)
            f["sha256"] = hashlib.sha256(data).hexdigest()
    return json.dumps(manifest).encode()


@pytest.fixture(scope="module")
def rich(server, pg):
    t = Tenant(server, "archive-x", modules=("clinic",))
    populate(t, pg)
    return t


@pytest.fixture(scope="module")
def other(server):
    """A neighbour on the same cluster, whose rows must never travel."""
    t = Tenant(server, "archive-n", modules=("clinic",))
    ok(t.request("receptionist", "POST", "/api/v1/contacts",
                 json={"type": "patient", "first_name": "Neighbour", "last_name": "Only"}))
    return t


@pytest.fixture(scope="module")
def second():
    """Another cluster, migrated by the same crm: where the tenant moves to."""
    cluster = Postgres()
    cluster.start()
    cluster.bootstrap()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="module")
def archive(rich, other, pg, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("archive") / "archive-x.tar")
    out = crm("tenant", "export", "--tenant", "archive-x", "--out", path,
              env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 0, out.stderr
    assert "exported archive-x" in out.stdout
    return path


def run_import(cluster, path):
    return crm("tenant", "import", "--in", path, env={"CRM_DATABASE_URL": cluster.url()})


def test_every_kind_of_record_is_in_the_source(rich, pg):
    empty = {t for t, n in counts(pg, rich.id).items() if n == 0}
    # rows only the retention purge writes: the archive carries the table all the same
    assert empty <= {"audit_checkpoints"}, empty


def test_the_archive_holds_every_table_of_the_tenant_and_nothing_else(archive, rich, other, pg):
    entries = members(archive)
    names = [n for n, _ in entries]
    assert names[0] == "archive.json" and names[-1] == "manifest.json"
    head = json.loads(entries[0][1])
    assert head["format"] == "crm-tenant-archive" and head["version"] == 1
    assert head["tenant"] == {"id": rich.id, "slug": "archive-x", "name": "Clinic archive-x"}
    assert sorted(t["name"] for t in head["tables"]) == tenant_tables(pg)
    assert sorted(names[1:-1]) == sorted(f"tables/{t}.csv" for t in tenant_tables(pg))
    manifest = json.loads(entries[-1][1])
    assert manifest["files"] == []
    data = dict(entries)
    now = counts(pg, rich.id)
    for f in manifest["tables"]:
        body = data[f["file"]]
        assert hashlib.sha256(body).hexdigest() == f["sha256"], f
        assert len(body) == f["bytes"]
        # every row was in the snapshot (later reads of the tenant only add audit rows)
        assert f["rows"] == now[f["table"]] or f["table"] in ("audit_log", "audit_heads"), f
    blob = b"".join(d for _, d in entries)
    assert other.id.encode() not in blob and b"Neighbour" not in blob
    assert rich.id.encode() in data["tables/contacts.csv"]
    assert "O'Archive, \"\"Jr\"\"\nSecond".encode() in data["tables/contacts.csv"]


def test_the_export_is_audited_and_its_record_travels(archive, rich, pg):
    rows = pg.sql("SELECT changes ->> 'stage' FROM audit_log WHERE tenant_id ="
                  f" '{rich.id}' AND action = 'export' AND entity_type = 'tenant'")
    assert rows == [["archive"]]
    assert b",export,tenant," in dict(members(archive))["tables/audit_log.csv"]


def test_export_refusals(pg, tmp_path):
    env = {"CRM_DATABASE_URL": pg.url()}
    out = crm("tenant", "export", "--tenant", "no-such-clinic", "--out", str(tmp_path / "x.tar"),
              env=env)
    assert out.returncode == 1 and "no such tenant" in out.stderr, out.stderr
    out = crm("tenant", "export", "--tenant", "archive-x", env=env)
    assert out.returncode == 2 and "--out FILE" in out.stderr
    out = crm("tenant", "export", "--tenant", "archive-x", "--out",
              str(tmp_path / "missing" / "x.tar"), env=env)
    assert out.returncode == 1 and "cannot write" in out.stderr, out.stderr
    assert not os.path.exists(tmp_path / "missing")


def assert_nothing_of(cluster, tenant_id):
    assert all(n == 0 for n in counts(cluster, tenant_id).values())


def test_import_needs_the_right_to_turn_triggers_off(archive, second, rich):
    out = run_import(second, archive)
    assert out.returncode == 1
    assert "GRANT SET ON PARAMETER session_replication_role TO crm" in out.stderr, out.stderr
    assert_nothing_of(second, rich.id)
    second.sql("GRANT SET ON PARAMETER session_replication_role TO crm")


@pytest.mark.parametrize("damage, message", [
    ("cut", "ends before its last entry"),
    ("flipped", "differs from what the manifest says"),
    ("foreign row", "rows of another tenant are in the archive"),
    ("schema", "another schema version"),
    ("no manifest", "has no manifest.json"),
    ("extra column", "has those columns"),
    ("stray entry", "an entry it should not"),
    ("traversal", "not a plain relative path"),
    ("not a tar", "checksum"),
    ("dangling", "rows refer to rows the archive does not hold"),
])
def test_a_damaged_archive_is_refused_whole(archive, second, rich, other, tmp_path, damage,
                                           message):
    second.sql("GRANT SET ON PARAMETER session_replication_role TO crm")
    bad = str(tmp_path / "bad.tar")
    entries = members(archive)
    if damage == "cut":
        with open(archive, "rb") as f:
            blob = f.read()
        with open(bad, "wb") as f:
            f.write(blob[:len(blob) // 2])
    elif damage == "not a tar":
        with open(bad, "wb") as f:
            f.write(b"PK\x03\x04" + os.urandom(2000))
    else:
        def change(name, data):
            if damage == "flipped" and name == "tables/contacts.csv":
                return data.replace(b"Bupa", b"Axa ", 1)
            if damage == "foreign row" and name == "tables/contacts.csv":
                moved = data.replace(rich.id.encode(), other.id.encode(), 1)
                change.csv = moved
                return moved
            if damage == "dangling" and name == "tables/contacts.csv":
                head, _, _ = data.partition(b"\n")
                change.csv = head + b"\n"
                return change.csv
            if damage == "schema" and name == "archive.json":
                head = json.loads(data)
                head["schema"].append({"module": "crm", "version": 9999})
                return json.dumps(head).encode()
            if damage == "extra column" and name == "archive.json":
                head = json.loads(data)
                head["tables"][1]["columns"].append("smuggled")
                return json.dumps(head).encode()
            if damage == "no manifest" and name == "manifest.json":
                return None
            if damage in ("stray entry", "traversal") and name == "manifest.json":
                return None
            if name == "manifest.json" and hasattr(change, "csv"):
                if damage == "foreign row":
                    return reseal(entries, "contacts", change.csv)
                return reseal(entries, "contacts", change.csv, rows=0)
            return data
        rewrite(archive, bad, change)
        if damage in ("stray entry", "traversal"):
            with tarfile.open(bad, "a", format=tarfile.USTAR_FORMAT) as tar:
                info = tarfile.TarInfo("notes.txt" if damage == "stray entry"
                                       else "../../etc/cron.d/x")
                info.size = 1
                tar.addfile(info, io.BytesIO(b"x"))
    out = run_import(second, bad)
    assert out.returncode == 1, out.stdout
    assert message in out.stderr, out.stderr
    assert_nothing_of(second, rich.id)


def test_the_tenant_moves_whole_and_its_chain_verifies_there(archive, second, rich, pg,
                                                             tmp_path):
    second.sql("GRANT SET ON PARAMETER session_replication_role TO crm")
    out = run_import(second, archive)
    assert out.returncode == 0, out.stderr
    assert "imported archive-x" in out.stdout
    source = {n: d for n, d in members(archive)}
    again = str(tmp_path / "again.tar")
    out = crm("tenant", "export", "--tenant", "archive-x", "--out", again,
              env={"CRM_DATABASE_URL": second.url()})
    assert out.returncode == 0, out.stderr
    moved = {n: d for n, d in members(again)}
    for name, data in source.items():
        if name in ("archive.json", "manifest.json", "tables/audit_heads.csv"):
            continue
        if name == "tables/audit_log.csv":
            # added: the import, then the second export's lookup of the tenant by slug (a
            # platform call) and the export itself
            assert moved[name].startswith(data), name
            added = moved[name][len(data):].decode()
            assert [row[5:7] for row in csv.reader(io.StringIO(added))] == [
                ["create", "tenant"], ["security", "security"], ["export", "tenant"]], added
            continue
        assert moved[name] == data, name
    out = crm("audit", "verify", "--tenant", "archive-x", env={"CRM_DATABASE_URL": second.url()})
    assert out.returncode == 0, out.stderr
    verdict = json.loads(out.stdout)
    assert verdict["ok"] is True
    # the archive's rows, the three added, and this command's own lookup of the tenant
    assert verdict["rows_checked"] == source["tables/audit_log.csv"].count(b"\n") - 1 + 3 + 1
    # new rows take ids after the imported ones: the chain keeps its order
    last = pg.sql(f"SELECT max(id) FROM audit_log WHERE tenant_id = '{rich.id}'")[0][0]
    assert int(second.sql("SELECT last_value FROM audit_log_id_seq")[0][0]) >= int(last)
    # the import is in the chain it extends, as the command line
    rows = second.sql(f"SELECT actor, changes ->> 'stage' FROM audit_log WHERE tenant_id ="
                      f" '{rich.id}' AND action = 'create' AND entity_type = 'tenant'"
                      " ORDER BY id DESC LIMIT 1")
    assert rows == [["cli", "import"]]

    # once there, never twice; and nothing of the attempt stays
    before = counts(second, rich.id)
    out = run_import(second, archive)
    assert out.returncode == 1
    assert f"a tenant with the id {rich.id} exists in this database" in out.stderr
    assert counts(second, rich.id) == before


def test_and_back_a_clinic_made_there_moves_here_and_signs_in(second, make_server, server, pg,
                                                              tmp_path):
    second.sql("GRANT SET ON PARAMETER session_replication_role TO crm")
    pg.sql_every_node("GRANT SET ON PARAMETER session_replication_role TO crm")
    there = make_server(second)
    y = Tenant(there, "archive-y", modules=("clinic",))
    p = ok(y.request("receptionist", "POST", "/api/v1/contacts", json={
        "type": "patient", "first_name": "Yara", "last_name": "Returning"}))
    visit = ok(y.request("receptionist", "POST", "/api/v1/appointments", json={
        "patient_id": p["id"], "practitioner_id": y.users["practitioner"],
        "appointment_time": at(5), "duration_minutes": 45}))
    ok(platform(there, "PATCH", f"/platform/v1/tenants/{y.id}", json={"sms_senders": [SHARED]}))
    there.stop()
    path = str(tmp_path / "archive-y.tar")
    out = crm("tenant", "export", "--tenant", "archive-y", "--out", path,
              env={"CRM_DATABASE_URL": second.url()})
    assert out.returncode == 0, out.stderr

    # here, the number is another clinic's: the import waits until the platform frees it
    holder = Tenant(server, "archive-h")
    ok(platform(server, "PATCH", f"/platform/v1/tenants/{holder.id}",
                json={"sms_senders": [SHARED]}))
    out = crm("tenant", "import", "--in", path, env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 1
    assert f"the SMS number {SHARED} is assigned to another tenant here" in out.stderr
    r = login(server, "archive-y", "admin@archive-y.test")
    assert r.status_code == 401, r.text
    ok(platform(server, "PATCH", f"/platform/v1/tenants/{holder.id}", json={"sms_senders": []}))

    out = crm("tenant", "import", "--in", path, env={"CRM_DATABASE_URL": pg.url()})
    assert out.returncode == 0, out.stderr
    r = login(server, "archive-y", "admin@archive-y.test", PASSWORD)
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    # the server learns the tenant's modules at its next reload (CRM_DENYLIST_REFRESH_S: 1 here)
    deadline = time.monotonic() + 10
    while True:
        got = server.request("GET", f"/api/v1/appointments/{visit['id']}",
                             headers={"Authorization": f"Bearer {token}"})
        if got.status_code != 404 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert got.status_code == 200, got.text
    assert got.json()["patient_id"] == p["id"]
    verdict = server.request("GET", "/api/v1/audit/verify",
                             headers={"Authorization": f"Bearer {token}"})
    assert verdict.status_code == 200 and verdict.json()["ok"] is True, verdict.text
