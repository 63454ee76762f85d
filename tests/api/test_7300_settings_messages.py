"""The tenant's messaging settings (GET/PATCH /api/v1/settings: defaults, validation, merges that
never undo each other, audit, who may) and the messages sent to contacts (GET /api/v1/messages,
the contact's timeline, GDPR export, erasure and merge), whose text only some roles read.
Outbox rows are written straight into the database, as the delivery worker leaves them."""
import json
import threading
import uuid

import pytest

from crmtest import ROLES, Tenant, assert_problem, platform

pytestmark = pytest.mark.clinic

DEFAULTS = {
    "reminder_offsets_minutes": [1440, 120],
    "quiet_hours": {"start": "21:00", "end": "08:00"},
    "cancellation_notice_hours": 24,
    "email_reply_to": None,
    "sms_sender": None,
    "phone": None,
}
READERS = {"admin", "practitioner", "receptionist"}  # messages.read


@pytest.fixture(scope="module")
def t(server):
    return Tenant(server, "settings-a", modules=["clinic"])


@pytest.fixture(scope="module")
def other(server):
    return Tenant(server, "settings-b", modules=["clinic"])


def settings(t, role="admin"):
    r = t.request(role, "GET", "/api/v1/settings")
    assert r.status_code == 200, r.text
    return r


def patch(t, body, role="admin", **kw):
    return t.request(role, "PATCH", "/api/v1/settings", json=body, **kw)


def stored(pg, t):
    return json.loads(pg.sql(f"SELECT settings FROM tenants WHERE id = '{t.id}'")[0][0])


SENDERS = '"sms_senders": ["+447700900123", "Riverside 1", "Clinic"]'


def reset(pg, t):
    """The tenant's settings back to none but the SMS senders the platform assigned it."""
    pg.sql(f"UPDATE tenants SET settings = '{{{SENDERS}}}', time_zone = 'Europe/London'"
           f" WHERE id = '{t.id}'")


def test_get_shows_every_setting_with_its_default(t, pg):
    reset(pg, t)
    r = settings(t)
    body = r.json()
    assert {k: body[k] for k in DEFAULTS} == DEFAULTS
    assert body["email_from_name"] == "Clinic settings-a"  # the tenant's name
    assert body["time_zone"] == "Europe/London"
    kinds = body["messages_enabled"]
    assert kinds["appointment.reminder"] is True
    # every kind on, but the practitioner's notice, which a clinic must switch on
    assert kinds.pop("practitioner.booking_notice") is False
    assert all(v is True for v in kinds.values())
    assert body["sms_senders"] == ["+447700900123", "Riverside 1", "Clinic"]  # read only
    assert set(body) == set(DEFAULTS) | {"email_from_name", "time_zone", "messages_enabled",
                                         "sms_senders"}
    assert r.headers["ETag"] == '"%s"' % pg.sql(
        f"SELECT settings_version FROM tenants WHERE id = '{t.id}'")[0][0]


def test_patch_sets_each_setting_and_keeps_keys_it_does_not_name(t, pg):
    reset(pg, t)
    pg.sql("UPDATE tenants SET settings = '{\"calendar_full_names\": true, \"restore_window_days\":"
           f" 10, \"audit_lanes\": 2, {SENDERS}}}' WHERE id = '{t.id}'")
    change = {"reminder_offsets_minutes": [2880, 60, 15],
              "quiet_hours": {"start": "20:30", "end": "07:45"},
              "cancellation_notice_hours": 48,
              "email_from_name": "Riverside Clinic — reception",
              "email_reply_to": "desk@riverside.example",
              "sms_sender": "+44 7700 900123",
              "phone": "+44 20 7946 0000 (press 1)",
              "messages_enabled": {"appointment.reminder": False},
              "time_zone": "America/New_York"}
    r = patch(t, change)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["messages_enabled"]["appointment.reminder"] is False
    body["messages_enabled"] = {"appointment.reminder": False}
    assert body.pop("sms_senders") == ["+447700900123", "Riverside 1", "Clinic"]
    assert body == change | {"sms_sender": "+447700900123"}  # stored in E.164
    again = settings(t).json()
    again["messages_enabled"] = {"appointment.reminder": False}
    again.pop("sms_senders")
    assert again == body
    kept = stored(pg, t)
    assert kept["calendar_full_names"] is True and kept["restore_window_days"] == 10
    assert kept["audit_lanes"] == 2
    assert kept["messages_enabled"] == {"appointment.reminder": False}
    assert kept["sms_sender"] == "+447700900123" and "time_zone" not in kept
    assert pg.sql(f"SELECT time_zone FROM tenants WHERE id = '{t.id}'") == [["America/New_York"]]
    # an alphanumeric sender id, as Twilio allows one
    assert patch(t, {"sms_sender": "Riverside 1"}).json()["sms_sender"] == "Riverside 1"
    assert stored(pg, t)["quiet_hours"] == {"start": "20:30", "end": "07:45"}


def test_null_resets_to_the_default_but_quiet_hours_null_means_none(t, pg):
    reset(pg, t)
    patch(t, {"phone": "01234", "cancellation_notice_hours": 0, "email_from_name": "X",
              "quiet_hours": {"start": "22:00", "end": "06:00"},
              "messages_enabled": {"appointment.reminder": False}})
    r = patch(t, {"phone": None, "cancellation_notice_hours": None, "email_from_name": None,
                  "messages_enabled": {"appointment.reminder": None}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["phone"] is None and body["cancellation_notice_hours"] == 24
    assert body["email_from_name"] == "Clinic settings-a"
    assert body["messages_enabled"]["appointment.reminder"] is True
    assert body["quiet_hours"] == {"start": "22:00", "end": "06:00"}  # absent: kept
    kept = stored(pg, t)
    assert not {"phone", "cancellation_notice_hours", "email_from_name"} & set(kept)
    assert kept["messages_enabled"] == {}
    # quiet hours: null is none at all, which the delivery queue reads the same way
    zone = "Europe/London"
    late = "'2026-01-15 22:30 Europe/London'::timestamptz"
    quiet = f"SELECT outbox_quiet_until('{zone}', settings, {late}) = {late} FROM tenants" \
            f" WHERE id = '{t.id}'"
    assert pg.sql(quiet) == [["f"]]
    assert patch(t, {"quiet_hours": None}).json()["quiet_hours"] is None
    assert settings(t).json()["quiet_hours"] is None
    assert "quiet_hours" in stored(pg, t) and stored(pg, t)["quiet_hours"] is None
    assert pg.sql(quiet) == [["t"]]
    # messages_enabled null: every kind back to its default
    patch(t, {"messages_enabled": {"appointment.reminder": False}})
    assert patch(t, {"messages_enabled": None}).json()["messages_enabled"][
        "appointment.reminder"] is True
    assert "messages_enabled" not in stored(pg, t)


BAD = [
    ({"reminder_offsets_minutes": "1440"}, "reminder_offsets_minutes"),
    ({"reminder_offsets_minutes": []}, "reminder_offsets_minutes"),
    ({"reminder_offsets_minutes": [1, 2, 3, 4, 5, 6]}, "reminder_offsets_minutes"),
    ({"reminder_offsets_minutes": [60, 60]}, "reminder_offsets_minutes"),
    ({"reminder_offsets_minutes": [0]}, "reminder_offsets_minutes"),
    ({"reminder_offsets_minutes": [-5]}, "reminder_offsets_minutes"),
    ({"reminder_offsets_minutes": [40321]}, "reminder_offsets_minutes"),
    ({"reminder_offsets_minutes": [60.5]}, "reminder_offsets_minutes"),
    ({"reminder_offsets_minutes": [True]}, "reminder_offsets_minutes"),
    ({"quiet_hours": "21:00-08:00"}, "quiet_hours"),
    ({"quiet_hours": {"start": "21:00"}}, "quiet_hours.end"),
    ({"quiet_hours": {"start": "24:00", "end": "08:00"}}, "quiet_hours.start"),
    ({"quiet_hours": {"start": "21:60", "end": "08:00"}}, "quiet_hours.start"),
    ({"quiet_hours": {"start": "9:00", "end": "08:00"}}, "quiet_hours.start"),
    ({"quiet_hours": {"start": "21:00", "end": 800}}, "quiet_hours.end"),
    ({"quiet_hours": {"start": "08:00", "end": "08:00"}}, "quiet_hours.end"),
    ({"quiet_hours": {"start": "21:00", "end": "08:00", "zone": "UTC"}}, "quiet_hours.zone"),
    ({"cancellation_notice_hours": -1}, "cancellation_notice_hours"),
    ({"cancellation_notice_hours": 721}, "cancellation_notice_hours"),
    ({"cancellation_notice_hours": "24"}, "cancellation_notice_hours"),
    ({"cancellation_notice_hours": 2.5}, "cancellation_notice_hours"),
    ({"email_from_name": ""}, "email_from_name"),
    ({"email_from_name": "   "}, "email_from_name"),
    ({"email_from_name": "x" * 101}, "email_from_name"),
    ({"email_from_name": "Clinic\r\nBcc: victim@example.com"}, "email_from_name"),
    ({"email_from_name": "Clinic\u0085"}, "email_from_name"),
    ({"email_from_name": 7}, "email_from_name"),
    ({"email_reply_to": "not an address"}, "email_reply_to"),
    ({"email_reply_to": "a@b.example\r\nBcc: x@y.example"}, "email_reply_to"),
    ({"email_reply_to": ""}, "email_reply_to"),
    ({"sms_sender": "TwelveLetter"}, "sms_sender"),
    ({"sms_sender": "12345"}, "sms_sender"),
    ({"sms_sender": "Clinic-A"}, "sms_sender"),
    ({"sms_sender": "+12"}, "sms_sender"),
    ({"sms_sender": ""}, "sms_sender"),
    ({"phone": "1" * 41}, "phone"),
    ({"phone": "tab\there"}, "phone"),
    ({"phone": ["0123"]}, "phone"),
    ({"messages_enabled": ["appointment.reminder"]}, "messages_enabled"),
    ({"messages_enabled": {"no.such_kind": False}}, "messages_enabled.no.such_kind"),
    ({"messages_enabled": {"appointment.reminder": "off"}}, "messages_enabled.appointment.reminder"),
    ({"time_zone": None}, "time_zone"),
    ({"time_zone": ""}, "time_zone"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
    ({"time_zone": "x" * 65}, "time_zone"),
    ({"audit_retention_days": 1}, "audit_retention_days"),
    ({"time_zone_name": "UTC"}, "time_zone_name"),
]


@pytest.mark.parametrize("body,field", BAD, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD)])
def test_each_bad_value_is_refused_naming_its_field_and_nothing_changes(t, pg, body, field):
    before = pg.sql(f"SELECT settings, time_zone, settings_version FROM tenants"
                    f" WHERE id = '{t.id}'")
    problem = assert_problem(patch(t, body), 422, field=field)
    assert [e["field"] for e in problem["errors"]] == [field], problem
    assert pg.sql(f"SELECT settings, time_zone, settings_version FROM tenants"
                  f" WHERE id = '{t.id}'") == before


def test_every_bad_field_is_named_in_one_answer(t):
    problem = assert_problem(patch(t, {"phone": 5, "time_zone": "Nowhere/Land", "sms_sender": "",
                                       "messages_enabled": {"x.y": True}, "colour": "red"}), 422)
    assert sorted(e["field"] for e in problem["errors"]) == [
        "colour", "messages_enabled.x.y", "phone", "sms_sender", "time_zone"]


def test_bodies_that_are_not_a_json_object_of_text_are_refused(t):
    assert_problem(patch(t, ["phone"]), 422, field="body")
    for raw in (b'{"phone": "\xff\xfe"}', b'{"phone": "\\ud800"}', b'{"phone": "a\\u0000b"}'):
        r = t.request("admin", "PATCH", "/api/v1/settings", data=raw,
                      headers={"Content-Type": "application/json"})
        assert_problem(r, 400)
    r = t.request("admin", "PATCH", "/api/v1/settings", data=b'{"phone": "1"}',
                  headers={"Content-Type": "text/plain"})
    assert_problem(r, 415)


def test_concurrent_changes_of_different_keys_all_stay(t, pg):
    reset(pg, t)
    pg.sql(f"UPDATE tenants SET settings = '{{\"restore_window_days\": 7, {SENDERS}}}'"
           f" WHERE id = '{t.id}'")
    changes = [{"phone": "0100"}, {"email_from_name": "Front desk"},
               {"email_reply_to": "a@b.example"}, {"sms_sender": "Clinic"},
               {"cancellation_notice_hours": 12}, {"reminder_offsets_minutes": [30]},
               {"quiet_hours": None}, {"time_zone": "Asia/Tokyo"}]
    for round_ in range(5):
        barrier = threading.Barrier(len(changes))
        answers = []

        def send(body):
            barrier.wait()
            answers.append(patch(t, body).status_code)

        threads = [threading.Thread(target=send, args=(c,)) for c in changes]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert answers == [200] * len(changes)
        body = settings(t).json()
        for c in changes:
            for k, v in c.items():
                assert body[k] == v, (round_, k, body)
        assert stored(pg, t)["restore_window_days"] == 7
        reset(pg, t)
        pg.sql(f"UPDATE tenants SET settings = '{{\"restore_window_days\": 7, {SENDERS}}}'"
               f" WHERE id = '{t.id}'")


def test_if_match_guards_against_a_stale_version(t):
    r = settings(t)
    etag = r.headers["ETag"]
    ok = patch(t, {"phone": "0200"}, headers={"If-Match": etag})
    assert ok.status_code == 200, ok.text
    assert int(ok.headers["ETag"].strip('"')) == int(etag.strip('"')) + 1
    stale = patch(t, {"phone": "0300"}, headers={"If-Match": etag})
    assert_problem(stale, 412)
    assert stale.headers["ETag"] == ok.headers["ETag"]
    for tag in ('"x"', "garbage", '"999"'):
        assert_problem(patch(t, {"phone": "0300"}, headers={"If-Match": tag}), 412)
    assert settings(t).json()["phone"] == "0200"
    # "*": the settings always exist, so any version will do
    star = patch(t, {"phone": "0250"}, headers={"If-Match": "*"})
    assert star.status_code == 200 and star.json()["phone"] == "0250"
    ok = settings(t)
    # an empty change writes nothing and answers the settings as they are
    same = patch(t, {})
    assert same.status_code == 200 and same.headers["ETag"] == ok.headers["ETag"]
    assert_problem(patch(t, {}, headers={"If-Match": etag}), 412)


def test_a_change_is_in_the_audit_log(t, pg):
    before = int(pg.sql(f"SELECT count(*) FROM audit_log WHERE tenant_id = '{t.id}'"
                        " AND entity_type = 'tenants'")[0][0])
    r = patch(t, {"phone": "0400 audit", "time_zone": "Europe/Paris"},
              headers={"X-Request-Id": "settings-audit-1"})
    assert r.status_code == 200, r.text
    rows = pg.sql("SELECT action, entity_id, actor_id, request_id, changes FROM audit_log"
                  f" WHERE tenant_id = '{t.id}' AND entity_type = 'tenants' ORDER BY id")
    assert len(rows) == before + 1
    action, entity, actor, request_id, changes = rows[-1]
    assert (action, entity, actor, request_id) == ("update", t.id, t.users["admin"],
                                                   "settings-audit-1")
    changes = json.loads(changes)
    assert changes["settings"]["after"]["phone"] == "0400 audit"
    assert changes["time_zone"]["after"] == "Europe/Paris"
    # the audit API shows it to the auditor
    listed = t.request("auditor", "GET", "/api/v1/audit",
                       params={"entity_type": "tenants", "entity_id": t.id}).json()["data"]
    assert any(e.get("request_id") == "settings-audit-1" for e in listed), listed


def test_only_roles_that_manage_settings_read_or_change_them(t, pg):
    before = stored(pg, t)
    for role in ROLES:
        if role == "admin":
            continue
        assert_problem(t.request(role, "GET", "/api/v1/settings"), 403, "settings.manage")
        assert_problem(patch(t, {"phone": "hijack"}, role=role), 403, "settings.manage")
    assert stored(pg, t) == before


def test_another_tenant_s_settings_are_never_seen_or_changed(t, other, pg):
    reset(pg, t)
    patch(t, {"phone": "A only", "time_zone": "Europe/Berlin"})
    before = pg.sql(f"SELECT settings, time_zone, settings_version FROM tenants"
                    f" WHERE id = '{other.id}'")
    assert settings(other).json()["phone"] is None
    r = patch(other, {"phone": "B only", "tenant_id": t.id})
    assert_problem(r, 422, field="tenant_id")
    assert pg.sql(f"SELECT settings, time_zone, settings_version FROM tenants"
                  f" WHERE id = '{other.id}'") == before
    assert patch(other, {"phone": "B only"}).json()["phone"] == "B only"
    assert settings(t).json()["phone"] == "A only"
    assert settings(t).json()["time_zone"] == "Europe/Berlin"
    assert settings(other).json()["time_zone"] == "Europe/London"


def as_app(pg, tenant, sql):
    return pg.sql(f"BEGIN; SET LOCAL ROLE crm_app; SELECT set_config('app.tenant_id', '{tenant}',"
                  f" true); {sql}; COMMIT;")


def test_the_app_role_changes_only_its_tenant_s_settings_and_zone(t, other, pg):
    """Core migration 0025: column grants under the tenant policy, and the audit settings kept
    for the platform whatever statement tries."""
    changed = as_app(pg, t.id, "WITH u AS (UPDATE tenants SET settings = settings ||"
                               " '{\"phone\": \"sql\"}' RETURNING id) SELECT count(*) FROM u")
    assert changed[-1] == ["1"]
    assert stored(pg, t)["phone"] == "sql"
    changed = as_app(pg, t.id, f"WITH u AS (UPDATE tenants SET settings = '{{}}'"
                               f" WHERE id = '{other.id}' RETURNING id) SELECT count(*) FROM u")
    assert changed[-1] == ["0"]
    for sql in ("UPDATE tenants SET name = 'Renamed'", "UPDATE tenants SET status = 'active'"):
        with pytest.raises(RuntimeError, match="permission denied"):
            as_app(pg, t.id, sql)
    for key in ("audit_retention_days", "audit_lanes", "audit_all_reads"):
        with pytest.raises(RuntimeError, match="platform only"):
            as_app(pg, t.id, f"UPDATE tenants SET settings = settings || '{{\"{key}\": 1}}'")
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"audit_lanes\": 2}}'"
           f" WHERE id = '{t.id}'")
    with pytest.raises(RuntimeError, match="platform only"):
        as_app(pg, t.id, "UPDATE tenants SET settings = settings - 'audit_lanes'")
    assert stored(pg, t)["audit_lanes"] == 2


# --- messages -------------------------------------------------------------------------------

def contact(t, **body):
    r = t.request("receptionist", "POST", "/api/v1/contacts", json={"type": "patient"} | body,
                  params={"allow_duplicate": "true"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def message(pg, t, contact_id, minutes_ago, state="sent", channel="sms", body="Hello",
            subject=None, topic="appointment.reminder", send_in="-1 hour"):
    """An outbox row as the delivery worker leaves it, created minutes_ago."""
    sent = state == "sent"
    sql = ("INSERT INTO outbox (tenant_id, topic, channel, contact_id, payload, send_at, state,"
           " attempts, sent_at, provider_id, provider_status, recipient, sender, subject, body,"
           " error_code, last_error, cancel_reason, created_at) VALUES"
           f" ('{t.id}', '{topic}', '{channel}', {repr_sql(contact_id)}, '{{}}',"
           f" now() + interval '{send_in}', '{state}', {1 if state != 'queued' else 0},"
           f" {'now()' if sent else 'NULL'}, {repr_sql('SM' + uuid.uuid4().hex if sent else None)},"
           f" {repr_sql('delivered' if sent else None)},"
           f" {repr_sql(('+447700900' if channel == 'sms' else 'ann@example.com') if sent else None)},"
           f" {repr_sql('+447700900999' if sent else None)}, {repr_sql(subject)},"
           f" {repr_sql(body if sent else None)},"
           f" {repr_sql('21211' if state == 'failed' else None)},"
           f" {repr_sql('invalid To number' if state == 'failed' else None)},"
           f" {repr_sql('too late to matter' if state == 'cancelled' else None)},"
           f" now() - interval '{minutes_ago} minutes') RETURNING id")
    return pg.sql(sql)[0][0]


def repr_sql(v):
    return "NULL" if v is None else "'" + str(v).replace("'", "''") + "'"


@pytest.fixture(scope="module")
def inbox(t, other, pg):
    """Messages of two of t's patients (and a webhook), and one of the other tenant's."""
    ann, bob = contact(t, first_name="Ann"), contact(t, first_name="Bob")
    ids = {
        "ann_sms": message(pg, t, ann, 50, body="Hi Ann, see you tomorrow"),
        "ann_email": message(pg, t, ann, 40, channel="email", subject="Your visit",
                             body="Dear Ann"),
        "ann_failed": message(pg, t, ann, 30, state="failed"),
        "bob_queued": message(pg, t, bob, 20, state="queued", send_in="2 hours"),
        "bob_cancelled": message(pg, t, bob, 10, state="cancelled"),
    }
    hook = pg.sql("INSERT INTO outbox (tenant_id, topic, channel, contact_id, send_at)"
                  f" VALUES ('{t.id}', 'contact.created', 'webhook', '{ann}', now()) RETURNING id")
    ids["webhook"] = hook[0][0]
    carol = contact(other, first_name="Carol")
    ids["other"] = message(pg, other, carol, 5, body="Hi Carol")
    return {"ann": ann, "bob": bob, "carol": carol, "ids": ids}


def listing(t, role="admin", **params):
    r = t.request(role, "GET", "/api/v1/messages", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_list_shows_the_tenant_s_messages_newest_first(t, inbox):
    ids = inbox["ids"]
    data = listing(t)["data"]
    mine = [m["id"] for m in data if m["contact_id"] in (inbox["ann"], inbox["bob"])]
    assert mine == [ids["bob_cancelled"], ids["bob_queued"], ids["ann_failed"], ids["ann_email"],
                    ids["ann_sms"]]
    assert ids["webhook"] not in [m["id"] for m in data]
    assert ids["other"] not in [m["id"] for m in data]
    sms = next(m for m in data if m["id"] == ids["ann_sms"])
    assert sms["kind"] == "appointment.reminder" and sms["channel"] == "sms"
    assert sms["status"] == "sent" and sms["attempts"] == 1 and sms["sent_at"]
    assert sms["recipient"] == "+447700900" and sms["provider_status"] == "delivered"
    assert sms["body"] == "Hi Ann, see you tomorrow" and sms["subject"] is None
    failed = next(m for m in data if m["id"] == ids["ann_failed"])
    assert (failed["error_code"], failed["last_error"]) == ("21211", "invalid To number")
    cancelled = next(m for m in data if m["id"] == ids["bob_cancelled"])
    assert cancelled["cancel_reason"] == "too late to matter" and cancelled["sent_at"] is None
    email = next(m for m in data if m["id"] == ids["ann_email"])
    assert (email["subject"], email["body"]) == ("Your visit", "Dear Ann")


def test_the_list_filters_by_contact_and_status_and_pages(t, inbox):
    ids = inbox["ids"]
    ann = [m["id"] for m in listing(t, contact_id=inbox["ann"])["data"]]
    assert ann == [ids["ann_failed"], ids["ann_email"], ids["ann_sms"]]
    sent = listing(t, contact_id=inbox["ann"], status="sent")["data"]
    assert [m["id"] for m in sent] == [ids["ann_email"], ids["ann_sms"]]
    assert [m["id"] for m in listing(t, status="queued")["data"]] == [ids["bob_queued"]]
    seen, cursor = [], None
    while True:
        page = listing(t, limit="2", **({"cursor": cursor} if cursor else {}))
        assert len(page["data"]) <= 2
        seen += [m["id"] for m in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [m["id"] for m in listing(t, limit="200")["data"]]
    assert len(seen) == len(set(seen)) >= 5
    # another tenant's contact is no contact here: nothing, as for one that does not exist
    assert listing(t, contact_id=inbox["carol"])["data"] == []
    assert listing(t, contact_id=str(uuid.uuid4()))["data"] == []


def test_bad_list_parameters_are_refused_naming_them(t, inbox):
    for params, field in [({"status": "delivered"}, "query.status"),
                          ({"contact_id": "nobody"}, "query.contact_id"),
                          ({"limit": "0"}, "query.limit"), ({"cursor": "forged"}, "query.cursor"),
                          ({"channel": "sms"}, "query.channel")]:
        assert_problem(t.request("admin", "GET", "/api/v1/messages", params=params), 400,
                       field=field)

def test_a_cursor_of_another_tenant_is_refused(t, other, inbox):
    cursor = listing(t, limit="1")["next_cursor"]
    assert cursor
    assert_problem(other.request("admin", "GET", "/api/v1/messages", params={"cursor": cursor}),
                   400, field="query.cursor")


def test_message_text_only_for_roles_that_read_messages(t, inbox):
    for role in ROLES:
        r = t.request(role, "GET", "/api/v1/messages", params={"contact_id": inbox["ann"]})
        if role == "auditor":
            assert_problem(r, 403, "contacts.read")
            continue
        assert r.status_code == 200, (role, r.text)
        data = r.json()["data"]
        assert len(data) == 3, role
        for m in data:
            assert ("body" in m and "subject" in m) == (role in READERS), (role, m)
            assert m["status"] and m["kind"] == "appointment.reminder"
    roles = {x["name"]: set(x["permissions"])
             for x in t.request("admin", "GET", "/api/v1/roles").json()["data"]}
    assert {name for name, perms in roles.items() if "messages.read" in perms} == READERS


def test_a_page_of_patients_messages_is_audited(t, inbox, pg):
    before = int(pg.sql(f"SELECT count(*) FROM audit_log WHERE tenant_id = '{t.id}'"
                        " AND entity_type = 'outbox'")[0][0])
    listing(t, "receptionist", contact_id=inbox["bob"])
    rows = pg.sql("SELECT action, actor_id, subject_id, changes FROM audit_log"
                  f" WHERE tenant_id = '{t.id}' AND entity_type = 'outbox' ORDER BY id")
    assert len(rows) == before + 1
    action, actor, subject, changes = rows[-1]
    assert (action, actor, subject) == ("search", t.users["receptionist"], inbox["bob"])
    assert json.loads(changes)["query"] == {"contact_id": inbox["bob"]}


def test_messages_are_on_the_contact_s_timeline(t, inbox, pg):
    ids = inbox["ids"]
    for role in ("receptionist", "viewer"):
        r = t.request(role, "GET", f"/api/v1/contacts/{inbox['ann']}/timeline")
        assert r.status_code == 200, r.text
        entries = [e for e in r.json()["data"] if e["kind"] == "message"]
        assert sorted(e["id"] for e in entries) == sorted(
            [ids["ann_sms"], ids["ann_email"], ids["ann_failed"]])  # no webhook
        sms = next(e for e in entries if e["id"] == ids["ann_sms"])
        assert sms["summary"]["kind"] == "appointment.reminder"
        assert sms["summary"]["channel"] == "sms" and sms["summary"]["status"] == "sent"
        assert sms["occurred_at"][:16] == sms["summary"]["sent_at"][:16].replace("+00:00", "Z")
        assert ("body" in sms["summary"]) == (role == "receptionist")
        if role == "receptionist":
            assert sms["summary"]["body"] == "Hi Ann, see you tomorrow"
    bob = t.request("receptionist", "GET", f"/api/v1/contacts/{inbox['bob']}/timeline").json()
    queued = next(e for e in bob["data"] if e["id"] == ids["bob_queued"])
    assert queued["summary"]["status"] == "queued" and queued["summary"]["sent_at"] is None
    due = pg.sql("SELECT to_char(send_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
                 f" FROM outbox WHERE id = '{ids['bob_queued']}'")[0][0]
    assert queued["occurred_at"].startswith(due)  # not sent yet: when it is due
    times = [e["occurred_at"] for e in bob["data"]]
    assert times == sorted(times, reverse=True)


def test_erasure_forgets_what_messages_said_and_cancels_those_not_sent(t, pg):
    dan = contact(t, type="lead", first_name="Dan")
    sent = message(pg, t, dan, 9, body="Hi Dan")
    queued = message(pg, t, dan, 8, state="queued", send_in="1 day")
    exported = t.request("admin", "GET", f"/api/v1/contacts/{dan}/export").json()
    assert sorted(m["id"] for m in exported["messages"]) == sorted([sent, queued])
    assert next(m for m in exported["messages"] if m["id"] == sent)["body"] == "Hi Dan"
    r = t.request("admin", "POST", f"/api/v1/contacts/{dan}/erase")
    assert r.status_code == 200, r.text
    rows = pg.sql("SELECT id, state, recipient, body, payload::text, cancel_reason FROM outbox"
                  f" WHERE contact_id = '{dan}' ORDER BY created_at")
    assert rows == [[sent, "sent", "", "", "{}", ""],
                    [queued, "cancelled", "", "", "{}", "the contact was erased"]]


def test_a_merge_moves_the_duplicate_s_messages(t, pg):
    keep, dup = contact(t, first_name="Eve"), contact(t, first_name="Eve")
    moved = message(pg, t, dup, 7, body="Hi Eve")
    r = t.request("receptionist", "POST", f"/api/v1/contacts/{keep}/merge",
                  json={"source_id": dup})
    assert r.status_code == 200, r.text
    assert [m["id"] for m in listing(t, contact_id=keep)["data"]] == [moved]
    assert listing(t, contact_id=dup)["data"] == []


def test_the_sms_sender_is_one_the_platform_assigned(t, pg, server):
    """A tenant sends only from numbers and sender ids the platform gave it (a number is also
    where replies come back: another tenant's would bring it their patients' replies)."""
    reset(pg, t)
    problem = assert_problem(patch(t, {"sms_sender": "+44 7700 900999"}), 422)
    assert [e["field"] for e in problem["errors"]] == ["sms_sender"]
    assert "assigned" in problem["errors"][0]["message"]
    assert "sms_sender" not in stored(pg, t)
    # the list is the platform's: the tenant cannot change it, by the API or the database
    problem = assert_problem(patch(t, {"sms_senders": ["+447700900999"]}), 422)
    assert [e["field"] for e in problem["errors"]] == ["sms_senders"]
    with pytest.raises(RuntimeError, match="assigned by the platform only"):
        pg.sql(f"BEGIN; SELECT set_config('app.tenant_id', '{t.id}', true); SET LOCAL ROLE crm_app;"
               " UPDATE tenants SET settings = settings || '{\"sms_senders\": [\"+447700900999\"]}';"
               " COMMIT;", user="crm")
    # the platform assigns it; then the tenant may use it, and lists it in GET
    r = platform(server, "PATCH", f"/platform/v1/tenants/{t.id}",
                 json={"sms_senders": ["+44 7700 900999", "Clinic"]})
    assert r.status_code == 200, r.text
    assert r.json()["sms_senders"] == ["+447700900999", "Clinic"]
    assert patch(t, {"sms_sender": "+44 7700 900999"}).json()["sms_sender"] == "+447700900999"
    # a number is one tenant's only
    other = pg.sql("SELECT id FROM tenants WHERE id <> '%s' ORDER BY created_at LIMIT 1" % t.id)
    r = platform(server, "PATCH", f"/platform/v1/tenants/{other[0][0]}",
                 json={"sms_senders": ["+447700900999"]})
    problem = assert_problem(r, 409)
    assert [e["field"] for e in problem["errors"]] == ["sms_senders"]
    for bad in (["+12"], ["Twelve chars"], "Clinic", ["Clinic", "Clinic"], [5]):
        r = platform(server, "PATCH", f"/platform/v1/tenants/{t.id}", json={"sms_senders": bad})
        assert_problem(r, 422)
    reset(pg, t)
