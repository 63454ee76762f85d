"""The tenant's message templates: the defaults the modules ship, a tenant's own wording per
kind and channel (checked against the kind's variables, bounded, audited, per tenant), and
previews with the kind's sample or a real record, with SMS encoding and segments."""
import datetime
import json
import tempfile
import time

import pytest

from crmtest import Server, Tenant, assert_problem
from fake_twilio import FROM, SID, TOKEN, FakeTwilio

pytestmark = pytest.mark.clinic

KIND = "appointment.reminder"
SMS = f"/api/v1/message-templates/{KIND}/sms"
EMAIL = f"/api/v1/message-templates/{KIND}/email"
EMAIL_OK = {"subject": "See you {{appointment.start_local}}",
            "body": "Hello {{patient.first_name}}, {{clinic.name}}",
            "html": "<p>Hello {{patient.first_name}}</p>"}


def clinic_tenant(server, slug):
    t = Tenant(server, slug)
    assert t.request("admin", "PUT", "/api/v1/modules/clinic",
                     json={"enabled": True}).status_code == 200
    return t


@pytest.fixture(scope="module")
def a(server):
    return clinic_tenant(server, "tmpl-a")


@pytest.fixture(scope="module")
def b(server):
    return clinic_tenant(server, "tmpl-b")


def book(t, first_name, last_name="Doe", **contact):
    """A patient and an appointment of theirs in two days; the appointment's id."""
    r = t.request("receptionist", "POST", "/api/v1/contacts",
                  json={"type": "patient", "first_name": first_name, "last_name": last_name,
                        **contact})
    assert r.status_code == 201, r.text
    when = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0)
    r = t.request("receptionist", "POST", "/api/v1/appointments",
                  json={"patient_id": r.json()["id"], "practitioner_id": t.users["practitioner"],
                        "appointment_time": when.isoformat(), "duration_minutes": 30,
                        "overbook": True, "overbook_reason": "test"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def rows(pg, t):
    return pg.sql(f"SELECT kind, channel, coalesce(subject, '-'), body, coalesce(html, '-')"
                  f" FROM message_templates WHERE tenant_id = '{t.id}' ORDER BY kind, channel")


def errors(resp):
    return [(e["field"], e["message"]) for e in resp.json()["errors"]]


def test_defaults_are_listed_for_the_kinds_of_the_tenants_modules(a, server):
    r = a.request("admin", "GET", "/api/v1/message-templates")
    assert r.status_code == 200, r.text
    listed = {(x["kind"], x["channel"]): x for x in r.json()["data"]}
    assert {(KIND, "sms"), (KIND, "email")} <= set(listed)
    assert r.json()["next_cursor"] is None
    for x in listed.values():
        assert x["customised"] is False and x["updated_at"] is None and x["description"]
    # a tenant without the clinic has none of the clinic's kinds
    plain = Tenant(server, "tmpl-plain")
    r = plain.request("admin", "GET", "/api/v1/message-templates")
    assert r.status_code == 200 and [x["kind"] for x in r.json()["data"]
                                     if x["kind"].startswith("appointment.")] == []
    assert_problem(plain.request("admin", "GET", SMS), 404, "no such kind")


def test_get_answers_the_default_with_its_variables(a):
    r = a.request("admin", "GET", SMS)
    assert r.status_code == 200, r.text
    t = r.json()
    assert t["kind"] == KIND and t["channel"] == "sms" and t["customised"] is False
    assert t["body"].startswith("Hi {{patient.first_name}}") and t["updated_at"] is None
    assert "subject" not in t and "html" not in t
    assert {"patient.first_name", "appointment.start_local", "practitioner.name",
            "clinic.name", "clinic.phone"} <= set(t["variables"])
    assert t["description"]
    e = a.request("admin", "GET", EMAIL).json()
    assert e["customised"] is False and "{{" in e["subject"] and e["html"].startswith("<p>")


def test_put_then_get_and_delete_back_to_the_default(a, pg):
    default = a.request("admin", "GET", SMS).json()["body"]
    r = a.request("admin", "PUT", SMS, json={"body": "Hi {{ patient.first_name }}, see you"})
    assert r.status_code == 200, r.text
    assert r.json()["customised"] is True
    assert r.json()["body"] == "Hi {{ patient.first_name }}, see you"
    assert r.json()["updated_at"]
    got = a.request("admin", "GET", SMS).json()
    assert got["customised"] is True and got["body"] == "Hi {{ patient.first_name }}, see you"
    assert got["updated_at"] == r.json()["updated_at"]
    listed = {(x["kind"], x["channel"]): x["customised"]
              for x in a.request("admin", "GET", "/api/v1/message-templates").json()["data"]}
    assert listed[(KIND, "sms")] is True and listed[(KIND, "email")] is False
    assert rows(pg, a) == [[KIND, "sms", "-", "Hi {{ patient.first_name }}, see you", "-"]]

    r = a.request("admin", "PUT", EMAIL, json=EMAIL_OK)
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in EMAIL_OK} == EMAIL_OK
    assert {k: a.request("admin", "GET", EMAIL).json()[k] for k in EMAIL_OK} == EMAIL_OK

    r = a.request("admin", "DELETE", SMS)
    assert r.status_code == 204 and r.content == b""
    got = a.request("admin", "GET", SMS).json()
    assert got["customised"] is False and got["body"] == default
    assert [x[1] for x in rows(pg, a)] == ["email"]
    assert a.request("admin", "DELETE", SMS).status_code == 204  # already the default
    assert a.request("admin", "DELETE", EMAIL).status_code == 204
    assert rows(pg, a) == []


def test_unknown_variables_are_named_one_by_one(a, pg):
    r = a.request("admin", "PUT", SMS, json={
        "body": "{{patient.middle_name}} {{patient.first_name}} {{foo.bar}}"
                " {{patient.middle_name}}"})
    body = assert_problem(r, 422)
    assert errors(r) == [("body", "unknown variable {{patient.middle_name}}"),
                         ("body", "unknown variable {{foo.bar}}")]
    r = a.request("admin", "PUT", EMAIL, json={
        "subject": "{{patient.age}}", "body": "{{patient.first_name}}", "html": "{{secret}}"})
    assert_problem(r, 422)
    assert errors(r) == [("subject", "unknown variable {{patient.age}}"),
                         ("html", "unknown variable {{secret}}")]
    assert body["detail"] and rows(pg, a) == []


def test_a_syntax_error_names_its_field(a, pg):
    for text, part in [("Hi {{patient.first_name", "closed"), ("Hi {{}}", "must open"),
                       ("{{patient.}}", "dot"), ("{{Patient.First}}", "must open")]:
        r = a.request("admin", "PUT", SMS, json={"body": text})
        assert_problem(r, 422, field="body")
        assert len(errors(r)) == 1 and part in errors(r)[0][1], (text, r.text)
    r = a.request("admin", "PUT", EMAIL, json=EMAIL_OK | {"html": "<p>{{ patient.first_name }</p>"})
    assert_problem(r, 422)
    assert [f for f, _ in errors(r)] == ["html"]
    assert rows(pg, a) == []


def test_wrong_types_and_missing_fields(a, pg):
    r = a.request("admin", "PUT", SMS, json={"body": 12})
    assert_problem(r, 422)
    assert errors(r) == [("body", "must be a string")]
    r = a.request("admin", "PUT", SMS, json={})
    assert errors(r) == [("body", "is required")]
    r = a.request("admin", "PUT", SMS, json={"body": None})
    assert errors(r) == [("body", "is required")]
    r = a.request("admin", "PUT", SMS, json={"body": ""})
    assert_problem(r, 422, field="body")
    r = a.request("admin", "PUT", SMS, json=["body"])
    assert_problem(r, 422, field="body")
    r = a.request("admin", "PUT", EMAIL, json={"subject": "Hi", "body": ["x"]})
    assert_problem(r, 422)
    assert errors(r) == [("body", "must be a string"), ("html", "is required")]
    r = a.request("admin", "PUT", SMS, json={"body": "Hi", "tenant_id": a.id})
    assert_problem(r, 422, field="tenant_id")
    assert rows(pg, a) == []


def test_email_fields_are_refused_on_an_sms_template(a, pg):
    r = a.request("admin", "PUT", SMS, json={"body": "Hi", "subject": "Hello", "html": "<p>"})
    assert_problem(r, 422)
    assert {f for f, _ in errors(r)} == {"subject", "html"}
    assert rows(pg, a) == []


def test_sizes_are_bounded(a, pg):
    assert_problem(a.request("admin", "PUT", SMS, json={"body": "x" * 1601}), 422, field="body")
    # characters, not bytes: 1600 two-byte letters are an SMS body
    r = a.request("admin", "PUT", SMS, json={"body": "ł" * 1600})
    assert r.status_code == 200, r.text
    for subject in ["s" * 201, "Hi\r\nBcc: x@example.com", "Hi\nthere", "tab\there"]:
        r = a.request("admin", "PUT", EMAIL, json=EMAIL_OK | {"subject": subject})
        assert_problem(r, 422)
        assert [f for f, _ in errors(r)] == ["subject"], subject
    r = a.request("admin", "PUT", EMAIL, json=EMAIL_OK | {"subject": "é" * 200})
    assert r.status_code == 200, r.text
    r = a.request("admin", "PUT", EMAIL, json=EMAIL_OK | {"html": "<p>" + "x" * 65534,
                                                          "body": "y" * 65537})
    assert_problem(r, 422)
    assert [f for f, _ in errors(r)] == ["body", "html"]
    r = a.request("admin", "PUT", EMAIL, json=EMAIL_OK | {"html": "<p>" + "x" * 65533})
    assert r.status_code == 200, r.text
    assert len(rows(pg, a)) == 2
    a.request("admin", "DELETE", SMS)
    a.request("admin", "DELETE", EMAIL)


def test_invalid_utf8_and_nul_are_refused(a, pg):
    r = a.request("admin", "PUT", SMS, data=b'{"body": "Hi \xff\xfe there"}',
                  headers={"Content-Type": "application/json"})
    assert_problem(r, 400, "UTF-8")
    r = a.request("admin", "PUT", SMS, data=b'{"body": "Hi \\u0000 there"}',
                  headers={"Content-Type": "application/json"})
    assert_problem(r, 400, "u0000")
    assert rows(pg, a) == []


def test_unknown_kind_or_channel_is_404(a):
    for path in ["/api/v1/message-templates/no.such_kind/sms",
                 "/api/v1/message-templates/appointment/sms",
                 f"/api/v1/message-templates/{KIND}/fax",
                 f"/api/v1/message-templates/{KIND}/SMS"]:
        assert_problem(a.request("admin", "GET", path), 404)
        assert_problem(a.request("admin", "PUT", path, json={"body": "Hi"}), 404)
        assert_problem(a.request("admin", "DELETE", path), 404)
        assert_problem(a.request("admin", "POST", path + "/preview", json={}), 404)


def test_roles_without_settings_manage_get_403(a, pg):
    for role in ["practitioner", "receptionist", "sales", "viewer", "auditor"]:
        assert_problem(a.request(role, "GET", "/api/v1/message-templates"), 403)
        assert_problem(a.request(role, "GET", SMS), 403)
        assert_problem(a.request(role, "PUT", SMS, json={"body": "Hi"}), 403)
        assert_problem(a.request(role, "DELETE", SMS), 403)
        assert_problem(a.request(role, "POST", SMS + "/preview", json={}), 403)
    assert rows(pg, a) == []


def test_a_tenant_never_sees_or_changes_anothers_template(a, b, pg):
    assert a.request("admin", "PUT", SMS, json={"body": "Alpha only"}).status_code == 200
    got = b.request("admin", "GET", SMS).json()
    assert got["customised"] is False and got["body"] != "Alpha only"
    assert all(not x["customised"] for x in
               b.request("admin", "GET", "/api/v1/message-templates").json()["data"])
    assert b.request("admin", "POST", SMS + "/preview").json()["body"] != "Alpha only"
    assert b.request("admin", "DELETE", SMS).status_code == 204
    assert b.request("admin", "PUT", SMS, json={"body": "Beta"}).status_code == 200
    assert a.request("admin", "GET", SMS).json()["body"] == "Alpha only"
    assert [r[3] for r in rows(pg, a)] == ["Alpha only"] and [r[3] for r in rows(pg, b)] == ["Beta"]
    a.request("admin", "DELETE", SMS)
    b.request("admin", "DELETE", SMS)


def test_preview_with_the_sample(a):
    r = a.request("admin", "POST", SMS + "/preview")  # no body: the template in force
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["body"].startswith("Hi Ann, a reminder of your appointment with Dr Jane Doe")
    assert "{{" not in p["body"] and p["sms"]["encoding"] == "GSM-7"
    assert p["sms"]["characters"] == len(p["body"]) and p["sms"]["segments"] == 1
    r = a.request("admin", "POST", EMAIL + "/preview", json={})
    p = r.json()
    assert r.status_code == 200 and "sms" not in p
    assert p["subject"] == "Your appointment on Tuesday 8 December at 14:30"
    assert p["body"].startswith("Hello Ann,") and "<strong>Dr Jane Doe</strong>" in p["html"]
    # the text given, not yet saved; the rest of the template is the one in force
    r = a.request("admin", "POST", EMAIL + "/preview",
                  json={"subject": "{{clinic.name}}: {{patient.last_name}}"})
    assert r.status_code == 200, r.text
    assert r.json()["subject"] == "Riverside Clinic: Smith" and r.json()["body"] == p["body"]


def test_preview_uses_the_tenants_own_template(a):
    r = a.request("admin", "PUT", SMS, json={"body": "Yo {{patient.last_name}}"})
    assert r.status_code == 200, r.text
    assert a.request("admin", "POST", SMS + "/preview").json()["body"] == "Yo Smith"
    assert a.request("admin", "POST", SMS + "/preview", json={"body": None}).json()["body"] == \
        "Yo Smith"
    r = a.request("admin", "POST", SMS + "/preview", json={"body": "Hey {{patient.first_name}}"})
    assert r.json()["body"] == "Hey Ann"
    assert a.request("admin", "DELETE", SMS).status_code == 204


def test_preview_checks_the_text_given(a):
    r = a.request("admin", "POST", SMS + "/preview", json={"body": "{{patient.middle_name}}"})
    assert_problem(r, 422)
    assert errors(r) == [("body", "unknown variable {{patient.middle_name}}")]
    r = a.request("admin", "POST", SMS + "/preview", json={"subject": "x"})
    assert_problem(r, 422, field="subject")
    r = a.request("admin", "POST", SMS + "/preview", json={"subject_id": "not-a-uuid"})
    assert_problem(r, 422, field="subject_id")


def test_preview_with_an_appointment_escapes_values_in_html(a, pg):
    appt = book(a, "<script>alert(1)</script>", "O'Brien & Co")
    r = a.request("admin", "POST", EMAIL + "/preview", json={
        "subject_id": appt, "subject": "For {{patient.first_name}}",
        "body": "Dear {{patient.first_name}} {{patient.last_name}}",
        "html": "<p>Dear {{patient.first_name}} {{patient.last_name}}"
                " with {{practitioner.name}}</p>"})
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["subject"] == "For <script>alert(1)</script>"
    assert p["body"] == "Dear <script>alert(1)</script> O'Brien & Co"
    assert p["html"] == ("<p>Dear &lt;script&gt;alert(1)&lt;/script&gt; O&#39;Brien &amp; Co"
                         " with Practitioner User</p>")
    # the default wording with the appointment's own time in the tenant's zone
    start = pg.sql(f"SELECT to_char(starts_at AT TIME ZONE 'Europe/London',"
                   f" 'FMDay FMDD FMMonth \"at\" HH24:MI') FROM clinic_appointments"
                   f" WHERE id = '{appt}'")[0][0]
    r = a.request("admin", "POST", SMS + "/preview", json={"subject_id": appt})
    assert r.status_code == 200, r.text
    assert r.json()["body"].startswith("Hi <script>alert(1)</script>, a reminder of your"
                                       f" appointment with Practitioner User on {start}")


def test_a_preview_with_an_appointment_is_an_audited_read(a, pg):
    appt = book(a, "Audra")
    patient = pg.sql(f"SELECT patient_id FROM clinic_appointments WHERE id = '{appt}'")[0][0]

    def reads():
        return pg.sql(f"SELECT actor_id, subject_id, changes FROM audit_log"
                      f" WHERE tenant_id = '{a.id}' AND action = 'read'"
                      f" AND entity_type = 'clinic_appointments' AND entity_id = '{appt}'")

    assert reads() == []
    r = a.request("admin", "POST", SMS + "/preview", json={"subject_id": appt})
    assert r.status_code == 200, r.text
    got = reads()
    assert len(got) == 1 and got[0][:2] == [a.users["admin"], patient]
    assert json.loads(got[0][2]) == {"purpose": "message preview"}


def test_preview_refuses_another_tenants_or_an_unknown_appointment(a, b):
    theirs = book(b, "Beatrice")
    for subject in [theirs, "00000000-0000-4000-8000-000000000000"]:
        r = a.request("admin", "POST", SMS + "/preview", json={"subject_id": subject})
        assert_problem(r, 422)
        assert errors(r) == [("subject_id", "is not a record of this tenant that"
                                            " appointment.reminder messages are about")]
        assert "Beatrice" not in r.text
    assert "Beatrice" in b.request("admin", "POST", SMS + "/preview",
                                   json={"subject_id": theirs}).json()["body"]


@pytest.mark.parametrize("body, encoding, characters, segments", [
    ("Hi {{patient.first_name}}", "GSM-7", 6, 1),
    ("Hi {{patient.first_name}} 😀", "UCS-2", 9, 1),  # an emoji is two UTF-16 units
    ("Cześć {{patient.first_name}}", "UCS-2", 9, 1),   # ś is not in GSM 03.38
    ("Price: 5€ {{patient.first_name}}", "GSM-7", 14, 1),  # € is an extension: two septets
    ("{{patient.first_name}} " + "x" * 156, "GSM-7", 160, 1),
    ("{{patient.first_name}} " + "x" * 157, "GSM-7", 161, 2),
    ("ł" * 71, "UCS-2", 71, 2),
])
def test_preview_counts_sms_segments(a, body, encoding, characters, segments):
    r = a.request("admin", "POST", SMS + "/preview", json={"body": body})
    assert r.status_code == 200, r.text
    assert r.json()["sms"] == {"encoding": encoding, "characters": characters,
                               "segments": segments}


def test_a_template_change_is_audited(a, pg):
    def audit():
        return pg.sql(f"SELECT action, actor_id, entity_id, changes FROM audit_log"
                      f" WHERE tenant_id = '{a.id}' AND entity_type = 'message_templates'"
                      f" ORDER BY id")

    before = len(audit())
    first = a.request("admin", "PUT", SMS, json={"body": "One {{clinic.name}}"})
    again = a.request("admin", "PUT", SMS, json={"body": "One {{clinic.name}}"})
    assert first.status_code == again.status_code == 200
    assert again.json()["updated_at"] == first.json()["updated_at"]  # nothing changed
    assert a.request("admin", "PUT", SMS, json={"body": "Two"}).status_code == 200
    assert a.request("admin", "DELETE", SMS).status_code == 204
    got = audit()[before:]
    template_id = got[0][2]
    assert [(x[0], x[1], x[2]) for x in got] == [("create", a.users["admin"], template_id),
                                                 ("update", a.users["admin"], template_id),
                                                 ("delete", a.users["admin"], template_id)]
    # an update records what changed; the unchanged PUT wrote nothing
    assert json.loads(got[1][3]) == {"body": {"before": "One {{clinic.name}}", "after": "Two"}}


def test_the_preview_of_an_appointment_is_what_the_worker_sends(a, pg):
    body = "{{patient.first_name}} {{patient.last_name}}: {{appointment.date_local}}" \
           " {{appointment.time_local}} ({{appointment.duration_minutes}} min) with" \
           " {{practitioner.name}}, {{clinic.name}}"
    assert a.request("admin", "PUT", SMS, json={"body": body}).status_code == 200
    # the booking's own confirmation is another kind, sent at once: not this test's business
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"messages_enabled\":"
           f" {{\"appointment.booked\": false}}}}' WHERE id = '{a.id}'")
    appt = book(a, "Wendy", "Ökə", phone="+44 7700 900777", consent={"sms_reminders": True})
    pg.sql(f"UPDATE tenants SET settings = settings - 'messages_enabled' WHERE id = '{a.id}'")
    preview = a.request("admin", "POST", SMS + "/preview", json={"subject_id": appt}).json()
    assert preview["body"].startswith("Wendy Ökə: ") and preview["sms"]["encoding"] == "UCS-2"
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"quiet_hours\": null}}'"
           f" WHERE id = '{a.id}'")
    ids = [r[0] for r in pg.sql(f"UPDATE outbox SET send_at = now() - interval '1 second'"
                                f" WHERE subject_id = '{appt}' AND state = 'queued'"
                                f" AND topic = 'appointment.reminder' RETURNING id")]
    assert ids
    twilio = FakeTwilio()
    worker = Server(pg, command="worker", env={
        "CRM_TWILIO_ACCOUNT_SID": SID, "CRM_TWILIO_AUTH_TOKEN": TOKEN,
        "CRM_TWILIO_BASE_URL": twilio.url, "CRM_SMS_FROM": FROM, "CRM_WORKER_POLL_MS": "50",
        "CRM_MAIL_DIR": tempfile.mkdtemp(prefix="crm-mail-")})
    try:
        deadline = time.monotonic() + 20
        id_list = ", ".join(f"'{i}'" for i in ids)
        while time.monotonic() < deadline and pg.sql(
                f"SELECT 1 FROM outbox WHERE id IN ({id_list}) AND state IN ('queued', 'sending')"):
            time.sleep(0.05)
        sent = pg.sql(f"SELECT state, body FROM outbox WHERE id IN ({id_list})")
    finally:
        worker.stop()
        twilio.close()
        a.request("admin", "DELETE", SMS)
    assert sent == [["sent", preview["body"]]] * len(ids)
    assert [f["Body"] for f in twilio.sent() if f["To"] == "+447700900777"] == \
        [preview["body"]] * len(ids)


def test_notices_preview_with_an_appointment_too(a):
    appt = book(a, "Nora", "Quinn")
    base = "/api/v1/message-templates"
    r = a.request("admin", "POST", f"{base}/appointment.rescheduled/sms/preview",
                  json={"subject_id": appt})
    assert r.status_code == 200, r.text
    body = r.json()["body"]
    assert body.startswith("Hi Nora, your appointment at Clinic ") and " was " not in body[:10]
    assert "with Practitioner User (was " in body
    r = a.request("admin", "POST", f"{base}/practitioner.booking_notice/email/preview",
                  json={"subject_id": appt, "body": "New: {{patient.name}} at"
                                                    " {{appointment.time_local}}"})
    assert r.status_code == 200, r.text
    assert r.json()["body"] == "New: N.Q. at 10:00" or r.json()["body"].startswith("New: N.Q. at ")
