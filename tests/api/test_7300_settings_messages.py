"""The tenant's messaging settings (GET/PATCH /api/v1/settings: defaults, validation, merges that
never undo each other, audit, who may)."""
import json
import threading

import pytest

from crmtest import ROLES, Tenant, assert_problem

pytestmark = pytest.mark.clinic

DEFAULTS = {
    "reminder_offsets_minutes": [1440, 120],
    "quiet_hours": {"start": "21:00", "end": "08:00"},
    "cancellation_notice_hours": 24,
    "email_reply_to": None,
    "sms_sender": None,
    "phone": None,
}


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


def reset(pg, t):
    pg.sql(f"UPDATE tenants SET settings = '{{}}', time_zone = 'Europe/London' WHERE id = '{t.id}'")


def test_get_shows_every_setting_with_its_default(t, pg):
    reset(pg, t)
    r = settings(t)
    body = r.json()
    assert {k: body[k] for k in DEFAULTS} == DEFAULTS
    assert body["email_from_name"] == "Clinic settings-a"  # the tenant's name
    assert body["time_zone"] == "Europe/London"
    kinds = body["messages_enabled"]
    assert kinds["appointment.reminder"] is True and all(v is True for v in kinds.values())
    assert set(body) == set(DEFAULTS) | {"email_from_name", "time_zone", "messages_enabled"}
    assert r.headers["ETag"] == '"%s"' % pg.sql(
        f"SELECT settings_version FROM tenants WHERE id = '{t.id}'")[0][0]


def test_patch_sets_each_setting_and_keeps_keys_it_does_not_name(t, pg):
    reset(pg, t)
    pg.sql("UPDATE tenants SET settings = '{\"calendar_full_names\": true, \"restore_window_days\":"
           f" 10, \"audit_lanes\": 2}}' WHERE id = '{t.id}'")
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
    assert body == change | {"sms_sender": "+447700900123"}  # stored in E.164
    assert settings(t).json() == body
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
    pg.sql(f"UPDATE tenants SET settings = '{{\"restore_window_days\": 7}}' WHERE id = '{t.id}'")
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
        pg.sql(f"UPDATE tenants SET settings = '{{\"restore_window_days\": 7}}'"
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
