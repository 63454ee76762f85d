"""What comes back from Twilio: delivery reports (POST /webhooks/twilio/status) and replies
(POST /webhooks/twilio/inbound), signed exactly as Twilio signs them; the reply words, STOP,
the inbox (GET/PATCH /api/v1/inbox) and the matching of a reply to the one tenant whose
message it answers. 'Sent' outbox rows are written straight into the database, as the
delivery worker leaves them."""
import base64
import datetime
import hashlib
import hmac
import itertools
import json
import secrets

import pytest

from crmtest import Server, Tenant, assert_problem

pytestmark = pytest.mark.clinic

TOKEN = "twilio-auth-token-of-the-replies-suite"
PUBLIC = "https://crm.example.test"
SENDER = "+441234567890"
STATUS = "/webhooks/twilio/status"
INBOUND = "/webhooks/twilio/inbound"
EMPTY = '<?xml version="1.0" encoding="UTF-8"?>\n<Response/>\n'
_slots = itertools.count()


def sign(path, params, token=TOKEN, base=PUBLIC):
    """Twilio's X-Twilio-Signature: base64(HMAC-SHA1(token, URL + each name and value, sorted))."""
    text = base + path + "".join(k + v for k, v in sorted(params.items()))
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


def post(server, path, params, signature=None, **kw):
    headers = {"X-Twilio-Signature": signature if signature is not None else sign(path, params)}
    return server.request("POST", path, data=params, headers=headers, **kw)


def sid():
    return "SM" + secrets.token_hex(16)


def phone():
    return "+4479" + "".join(secrets.choice("0123456789") for _ in range(8))


def answer_of(r):
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/xml"
    if r.text == EMPTY:
        return None
    assert r.text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Message>')
    return r.text.split("<Message>")[1].split("</Message>")[0]


def reply(server, body, from_, to=SENDER, message_sid=None):
    params = {"MessageSid": message_sid or sid(), "AccountSid": "AC" + "0" * 32, "From": from_,
              "To": to, "Body": body, "NumMedia": "0"}
    return post(server, INBOUND, params)


@pytest.fixture(scope="module")
def srv(pg):
    s = Server(pg, env={"CRM_TWILIO_AUTH_TOKEN": TOKEN, "CRM_PUBLIC_URL": PUBLIC})
    yield s
    s.stop()


@pytest.fixture(scope="module")
def a(srv):
    return Tenant(srv, "replies-a", modules=("clinic",))


@pytest.fixture(scope="module")
def b(srv):
    return Tenant(srv, "replies-b", modules=("clinic",))


def patient(t, number, **consent):
    c = {"sms_reminders": True, "sms_marketing": True, "email_reminders": True}
    c.update(consent)
    r = t.request("receptionist", "POST", "/api/v1/contacts",
                  json={"type": "patient", "first_name": "Ann", "last_name": "Reply",
                        "phone": number, "consent": c})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def book(t, contact, start=None):
    if start is None:
        n = next(_slots)
        start = (datetime.datetime.now(datetime.timezone.utc).replace(
            hour=10, minute=0, second=0, microsecond=0)
            + datetime.timedelta(days=3 + n // 8, minutes=45 * (n % 8)))
    r = t.request("receptionist", "POST", "/api/v1/appointments",
                  json={"patient_id": contact, "practitioner_id": t.users["practitioner"],
                        "appointment_time": start.isoformat(), "duration_minutes": 30,
                        "overbook": True, "overbook_reason": "replies suite"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def sent(pg, appointment, to, age="1 hour", provider_id=None, sender=SENDER):
    """A reminder of the appointment as the worker leaves it once Twilio accepted it."""
    provider_id = provider_id or sid()
    row = pg.sql(
        "INSERT INTO outbox (tenant_id, topic, channel, subject_id, contact_id, payload, send_at,"
        " state, attempts, sent_at, provider_id, recipient, sender, body)"
        " SELECT a.tenant_id, 'appointment.reminder', 'sms', a.id, a.patient_id,"
        " jsonb_build_object('appointment_time', a.starts_at), now() - interval '2 hours',"
        f" 'sent', 1, now() - interval '{age}', '{provider_id}', '{to}', '{sender}',"
        " 'Reply C to confirm or X to cancel.'"
        f" FROM clinic_appointments a WHERE a.id = '{appointment}' RETURNING id")
    return row[0][0], provider_id


def appointment(t, id_):
    r = t.request("receptionist", "GET", f"/api/v1/appointments/{id_}")
    assert r.status_code == 200, r.text
    return r.json()


def inbox_rows(pg, tenant):
    return pg.sql("SELECT provider_id, intent, coalesce(outcome, ''), opted_out,"
                  " handled_at IS NOT NULL, coalesce(answer, '') FROM inbound_messages"
                  f" WHERE tenant_id = '{tenant.id}' ORDER BY received_at")


def scene(t, pg, **kw):
    """A patient with a booked appointment and the reminder they were sent."""
    number = phone()
    c = patient(t, number)
    appt = book(t, c, kw.pop("start", None))
    msg, provider_id = sent(pg, appt, number, **kw)
    return number, c, appt, msg, provider_id


# --- signatures and malformed requests -------------------------------------------------------

def test_a_wrong_or_missing_signature_is_refused(srv, a, pg):
    number, _, appt, _, _ = scene(a, pg)
    params = {"MessageSid": sid(), "From": number, "To": SENDER, "Body": "C"}
    assert_problem(post(srv, INBOUND, params, signature=""), 403, "X-Twilio-Signature")
    assert_problem(srv.request("POST", INBOUND, data=params), 403)
    assert_problem(post(srv, INBOUND, params, signature=sign(INBOUND, params, token="other")), 403)
    # signed for the address the request reached, not CRM_PUBLIC_URL's
    assert_problem(post(srv, INBOUND, params, signature=sign(INBOUND, params, base=srv.base)), 403)
    # a field changed after signing
    forged = dict(params, Body="X")
    assert_problem(post(srv, INBOUND, forged, signature=sign(INBOUND, params)), 403)
    status = {"MessageSid": sid(), "MessageStatus": "delivered"}
    assert_problem(post(srv, STATUS, status, signature=sign(INBOUND, status)), 403)
    assert pg.sql(f"SELECT count(*) FROM inbound_messages WHERE sender = '{number}'") == [["0"]]
    assert appointment(a, appt)["confirmed_at"] is None
    # the very same request, signed, goes through
    assert answer_of(post(srv, INBOUND, params)) is not None


def test_without_an_auth_token_no_webhook_is_believed(server):
    params = {"MessageSid": sid(), "From": phone(), "To": SENDER, "Body": "C"}
    assert_problem(post(server, INBOUND, params), 403, "CRM_TWILIO_AUTH_TOKEN")
    assert_problem(post(server, STATUS, {"MessageSid": sid(), "MessageStatus": "sent"}), 403)


def test_malformed_oversized_and_incomplete_requests(srv, a, pg):
    number, *_ = scene(a, pg)
    # not a form
    r = srv.request("POST", INBOUND, json={"Body": "C"},
                    headers={"X-Twilio-Signature": "x"})
    assert_problem(r, 415)
    # invalid UTF-8 (and a bad escape): no field can be read, so nothing can be verified
    for raw in ("MessageSid=SM1&Body=%FF%FE", "Body=%zz"):
        r = srv.request("POST", INBOUND, data=raw,
                        headers={"Content-Type": "application/x-www-form-urlencoded",
                                 "X-Twilio-Signature": "x"})
        assert_problem(r, 400, field="body")
    # larger than CRM_MAX_BODY_BYTES
    r = srv.request("POST", INBOUND, data="Body=" + "a" * (1024 * 1024 + 1),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(r, 413)
    # signed, but a field is missing or wrong
    for params, field in (
            ({"From": number, "To": SENDER, "Body": "C"}, "MessageSid"),
            ({"MessageSid": sid(), "To": SENDER, "Body": "C"}, "From"),
            ({"MessageSid": sid(), "From": number, "Body": "C"}, "To"),
            ({"MessageSid": sid(), "From": number, "To": SENDER}, "Body"),
            ({"MessageSid": "SM-not-a-sid", "From": number, "To": SENDER, "Body": "C"},
             "MessageSid"),
            ({"MessageSid": sid(), "From": number, "To": SENDER, "Body": "é" * 1601}, "Body"),
            ({"MessageSid": sid(), "From": "+44\x017700", "To": SENDER, "Body": "C"}, "From")):
        assert_problem(post(srv, INBOUND, params), 422, field=field)
    for params, field in (({"MessageStatus": "sent"}, "MessageSid"),
                          ({"MessageSid": sid()}, "MessageStatus"),
                          ({"MessageSid": sid(), "MessageStatus": "Sent!"}, "MessageStatus"),
                          ({"MessageSid": sid(), "MessageStatus": "failed", "ErrorCode": "3x"},
                           "ErrorCode")):
        assert_problem(post(srv, STATUS, params), 422, field=field)
    # 1600 characters (UCS-2 ones too) are fine: recorded, for reception
    long = "é" * 1599 + "?"
    assert answer_of(reply(srv, long, number)) is None
    assert pg.sql(f"SELECT length(body) FROM inbound_messages WHERE sender = '{number}'") == [
        ["1600"]]
    assert pg.sql(f"SELECT count(*) FROM inbound_messages WHERE sender = '{number}'") == [["1"]]


# --- delivery reports ------------------------------------------------------------------------

def report(srv, provider_id, status, code=None):
    params = {"MessageSid": provider_id, "SmsSid": provider_id, "MessageStatus": status,
              "SmsStatus": status, "AccountSid": "AC" + "0" * 32, "To": "+447700900999",
              "From": SENDER, "ApiVersion": "2010-04-01"}
    if code is not None:
        params["ErrorCode"] = code
    r = post(srv, STATUS, params)
    assert r.status_code == 200, r.text
    assert r.text == EMPTY


def outbox_row(pg, id_):
    return pg.sql("SELECT state, coalesce(provider_status, ''), coalesce(error_code, '')"
                  f" FROM outbox WHERE id = '{id_}'")[0]


def test_status_callbacks_record_delivery_and_never_go_back(srv, a, pg):
    _, _, _, msg, provider_id = scene(a, pg)
    report(srv, provider_id, "sent")
    assert outbox_row(pg, msg) == ["sent", "sent", ""]
    report(srv, provider_id, "delivered")
    assert outbox_row(pg, msg) == ["sent", "delivered", ""]
    # a late "sent" (callbacks may arrive out of order) does not undo "delivered"
    report(srv, provider_id, "sent")
    report(srv, provider_id, "queued")
    assert outbox_row(pg, msg) == ["sent", "delivered", ""]
    # and the first final status stands
    report(srv, provider_id, "undelivered", "30003")
    assert outbox_row(pg, msg) == ["sent", "delivered", ""]


def test_undelivered_and_failed_keep_the_provider_s_code(srv, a, pg):
    _, _, _, msg, provider_id = scene(a, pg)
    report(srv, provider_id, "undelivered", "30003")
    assert outbox_row(pg, msg) == ["sent", "undelivered", "30003"]
    _, _, _, msg2, provider_id2 = scene(a, pg)
    report(srv, provider_id2, "sending")
    report(srv, provider_id2, "failed", "30008")
    assert outbox_row(pg, msg2) == ["sent", "failed", "30008"]


def test_a_report_of_an_unknown_message_changes_nothing(srv, a, b, pg):
    _, _, _, msg, provider_id = scene(b, pg)
    before = pg.sql("SELECT count(*), max(updated_at) FROM outbox")
    report(srv, sid(), "delivered")
    assert pg.sql("SELECT count(*), max(updated_at) FROM outbox") == before
    # an email's id is not an SMS's: reports are about SMS only
    pg.sql(f"UPDATE outbox SET channel = 'email' WHERE id = '{msg}'")
    report(srv, provider_id, "delivered")
    assert outbox_row(pg, msg) == ["sent", "", ""]
    assert "no message has that id" in srv.log()


# --- reply words -----------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["C", "yes", "Y", "Confirm", " c. "])
def test_a_confirm_word_confirms_the_appointment(srv, a, pg, word):
    number, contact, appt, msg, _ = scene(a, pg)
    message_sid = sid()
    answer = answer_of(reply(srv, word, number, message_sid=message_sid))
    assert answer.startswith("Thank you: your appointment on ") and "is confirmed" in answer
    assert answer.endswith("Clinic replies-a")
    got = appointment(a, appt)
    assert got["confirmed_at"] is not None and got["confirmed_via"] == "sms"
    assert got["status"] == "booked"
    row = pg.sql("SELECT contact_id, in_reply_to, intent, outcome, handled_at IS NOT NULL,"
                 " handled_by IS NULL, body FROM inbound_messages"
                 f" WHERE provider_id = '{message_sid}'")
    assert row == [[contact, msg, "confirm", "confirmed", "t", "t", word]]
    # in the audit log, by the SMS channel
    audit = pg.sql("SELECT actor, actor_id IS NULL, changes -> 'confirmed_via' ->> 'after'"
                   f" FROM audit_log WHERE entity_type = 'clinic_appointments'"
                   f" AND entity_id = '{appt}' AND action = 'update'")
    assert audit == [["sms", "t", "sms"]]
    # and on the patient's timeline: the appointment confirmed, and the reply itself
    timeline = a.request("receptionist", "GET", f"/api/v1/contacts/{contact}/timeline").json()
    entries = {e["kind"]: e for e in timeline["data"]}
    assert entries["appointment"]["summary"]["confirmed_via"] == "sms"
    assert entries["appointment"]["summary"]["confirmed_at"] is not None
    assert entries["inbound_message"]["summary"]["body"] == word
    assert entries["inbound_message"]["summary"]["outcome"] == "confirmed"


def test_a_confirmation_with_more_to_say_waits_in_the_inbox_too(srv, a, pg):
    number, _, appt, _, _ = scene(a, pg)
    message_sid = sid()
    answer = answer_of(reply(srv, "Yes, but can I park there?", number, message_sid=message_sid))
    assert "is confirmed" in answer
    assert appointment(a, appt)["confirmed_via"] == "sms"
    assert pg.sql("SELECT outcome, handled_at IS NULL FROM inbound_messages"
                  f" WHERE provider_id = '{message_sid}'") == [["confirmed", "t"]]
    # confirming again keeps the first confirmation
    first = appointment(a, appt)["confirmed_at"]
    assert "is confirmed" in answer_of(reply(srv, "C", number))
    assert appointment(a, appt)["confirmed_at"] == first


@pytest.mark.parametrize("word", ["X", "no", "No!"])
def test_a_cancel_word_alone_cancels_when_the_notice_allows(srv, a, pg, word):
    number, contact, appt, _, _ = scene(a, pg)
    message_sid = sid()
    answer = answer_of(reply(srv, word, number, message_sid=message_sid))
    assert answer.startswith("Your appointment on ") and "is cancelled" in answer
    got = appointment(a, appt)
    assert got["status"] == "cancelled"
    assert got["cancel_reason"] == "cancelled by SMS reply"
    assert got["confirmed_at"] is None
    # the queued reminders of the appointment went with it
    assert pg.sql(f"SELECT count(*) FROM outbox WHERE subject_id = '{appt}'"
                  " AND topic = 'appointment.reminder' AND state = 'queued'") == [["0"]]
    assert pg.sql("SELECT intent, outcome, opted_out, handled_at IS NOT NULL FROM"
                  f" inbound_messages WHERE provider_id = '{message_sid}'") == [
        ["cancel", "cancelled", "f", "t"]]
    assert pg.sql(f"SELECT consent ->> 'sms_reminders' FROM contacts WHERE id = '{contact}'") == [
        ["true"]]
    history = pg.sql("SELECT from_status, to_status, changed_by IS NULL FROM"
                     f" clinic_appointment_history WHERE appointment_id = '{appt}'"
                     " ORDER BY changed_at")
    assert history[-1] == ["booked", "cancelled", "t"]


def test_a_cancel_word_in_a_longer_reply_cancels_nothing(srv, a, pg):
    number, _, appt, _, _ = scene(a, pg)
    message_sid = sid()
    assert answer_of(reply(srv, "No problem, see you then", number,
                           message_sid=message_sid)) is None
    assert appointment(a, appt)["status"] == "booked"
    assert pg.sql("SELECT intent, outcome IS NULL, handled_at IS NULL FROM inbound_messages"
                  f" WHERE provider_id = '{message_sid}'") == [["other", "t", "t"]]


def test_cancel_alone_cancels_and_records_twilio_s_opt_out(srv, a, pg):
    """CANCEL alone is a cancel word and one of Twilio's opt-out words: Twilio has blocked the
    number and answered it, so the appointment is cancelled, the SMS consents withdrawn, no
    answer of ours is sent (Twilio would refuse it), and reception is told."""
    number, contact, appt, _, _ = scene(a, pg)
    message_sid = sid()
    assert answer_of(reply(srv, "CANCEL", number, message_sid=message_sid)) is None
    assert appointment(a, appt)["status"] == "cancelled"
    assert pg.sql("SELECT consent ->> 'sms_reminders', consent ->> 'sms_marketing' FROM contacts"
                  f" WHERE id = '{contact}'") == [["false", "false"]]
    assert pg.sql("SELECT intent, outcome, opted_out, handled_at IS NULL, answer IS NULL FROM"
                  f" inbound_messages WHERE provider_id = '{message_sid}'") == [
        ["cancel", "cancelled", "t", "t", "t"]]


def test_cancel_inside_the_notice_tells_the_clinic_and_asks_to_call(srv, a, pg):
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"phone\": \"+44 20 7946 0000\"}}'"
           f" WHERE id = '{a.id}'")
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=5)
    number, _, appt, _, _ = scene(a, pg, start=start.replace(microsecond=0))
    message_sid = sid()
    answer = answer_of(reply(srv, "X", number, message_sid=message_sid))
    assert answer.startswith("It is too late to cancel your appointment on ")
    assert "please call us on +44 20 7946 0000." in answer
    assert appointment(a, appt)["status"] == "booked"
    assert pg.sql("SELECT intent, outcome, handled_at IS NULL, answer FROM inbound_messages"
                  f" WHERE provider_id = '{message_sid}'") == [["cancel", "too_late", "t", answer]]
    item = [i for i in a.request("receptionist", "GET", "/api/v1/inbox?handled=false")
            .json()["data"] if i["id"] and i["body"] == "X" and i["outcome"] == "too_late"]
    assert item and item[0]["topic"] == "appointment.reminder"


def test_a_shorter_notice_lets_the_same_reply_cancel(srv, b, pg):
    pg.sql(f"UPDATE tenants SET settings = settings || '{{\"cancellation_notice_hours\": 2}}'"
           f" WHERE id = '{b.id}'")
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=5, minutes=7)
    number, _, appt, _, _ = scene(b, pg, start=start.replace(microsecond=0))
    assert "is cancelled" in answer_of(reply(srv, "x", number))
    assert appointment(b, appt)["status"] == "cancelled"


def test_a_reply_about_an_appointment_no_longer_booked_is_left_to_reception(srv, a, pg):
    number, _, appt, _, _ = scene(a, pg)
    r = a.request("receptionist", "PATCH", f"/api/v1/appointments/{appt}",
                  headers={"If-Match": '"1"'}, json={"status": "cancelled"})
    assert r.status_code == 200, r.text
    message_sid = sid()
    answer = answer_of(reply(srv, "C", number, message_sid=message_sid))
    assert answer.startswith("We found no upcoming appointment to confirm")
    got = appointment(a, appt)
    assert got["status"] == "cancelled" and got["confirmed_at"] is None
    assert pg.sql("SELECT outcome, handled_at IS NULL FROM inbound_messages"
                  f" WHERE provider_id = '{message_sid}'") == [["not_applicable", "t"]]


# --- STOP ------------------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["STOP", "stopall", "Unsubscribe", "END", "quit"])
def test_stop_withdraws_the_sms_consents(srv, a, pg, word):
    number, contact, appt, _, _ = scene(a, pg)
    message_sid = sid()
    # Twilio answers its own opt-out words itself (and would refuse ours)
    assert answer_of(reply(srv, word, number, message_sid=message_sid)) is None
    consent, updated = pg.sql(f"SELECT consent, consent_updated_at FROM contacts"
                              f" WHERE id = '{contact}'")[0]
    consent, updated = json.loads(consent), json.loads(updated)
    assert consent == {"sms_reminders": False, "sms_marketing": False, "email_reminders": True}
    assert {"sms_reminders", "sms_marketing"} <= set(updated)
    assert updated["sms_reminders"] > updated["email_reminders"]
    # recorded with its source: the audit log names the SMS channel, the reply is kept
    audit = pg.sql("SELECT actor, changes -> 'consent' -> 'after' ->> 'sms_reminders'"
                   f" FROM audit_log WHERE entity_type = 'contacts' AND entity_id = '{contact}'"
                   " AND action = 'update'")
    assert audit == [["sms", "false"]]
    assert pg.sql("SELECT intent, opted_out, handled_at IS NOT NULL FROM inbound_messages"
                  f" WHERE provider_id = '{message_sid}'") == [["opt_out", "t", "t"]]
    assert appointment(a, appt)["status"] == "booked"
    # the contact's record says so
    got = a.request("receptionist", "GET", f"/api/v1/contacts/{contact}").json()
    assert got["consent"]["sms_reminders"] is False


def test_stop_in_a_sentence_opts_out_and_is_answered_once(srv, a, pg):
    number, contact, _, _, _ = scene(a, pg)
    answer = answer_of(reply(srv, "Stop texting me please", number))
    assert answer == "You will get no more text messages from Clinic replies-a."
    assert pg.sql(f"SELECT consent ->> 'sms_marketing' FROM contacts WHERE id = '{contact}'") == [
        ["false"]]


# --- free text, matching, idempotency --------------------------------------------------------

def test_anything_else_goes_to_the_inbox_and_the_timeline(srv, a, pg):
    number, contact, appt, msg, _ = scene(a, pg)
    message_sid = sid()
    text = "Can I come at 3 instead? <b>&</b>"
    assert answer_of(reply(srv, text, number, message_sid=message_sid)) is None
    assert appointment(a, appt)["status"] == "booked"
    items = a.request("receptionist", "GET", "/api/v1/inbox").json()["data"]
    mine = [i for i in items if i["body"] == text]
    assert len(mine) == 1
    item = mine[0]
    assert item["contact_id"] == contact and item["contact_name"] == "Ann Reply"
    assert item["from"] == number and item["to"] == SENDER and item["channel"] == "sms"
    assert item["in_reply_to"] == msg and item["topic"] == "appointment.reminder"
    assert item["intent"] == "other" and item["outcome"] is None and item["answer"] is None
    assert item["handled"] is False and item["handled_at"] is None
    # on the timeline, its text for roles that may read the inbox only
    def entry(role):
        data = a.request(role, "GET", f"/api/v1/contacts/{contact}/timeline").json()["data"]
        return [e for e in data if e["kind"] == "inbound_message"][0]
    assert entry("receptionist")["summary"]["body"] == text
    assert entry("admin")["summary"]["body"] == text
    hidden = entry("practitioner")
    assert "body" not in hidden["summary"] and hidden["id"] == item["id"]


def test_a_reply_nobody_sent_a_message_for_is_answered_and_dropped(srv, a, pg):
    number = phone()
    message_sid = sid()
    assert answer_of(reply(srv, "C", number, message_sid=message_sid)) is None
    assert pg.sql(f"SELECT count(*) FROM inbound_messages WHERE provider_id = '{message_sid}'") \
        == [["0"]]
    assert message_sid in srv.log() and number not in srv.log()
    # nor is one to a number that sent nothing to it, or whose message was not sent
    number2, _, appt, msg, _ = scene(a, pg)
    assert answer_of(reply(srv, "C", number2, to="+449999999999")) is None
    number3 = phone()
    appt3 = book(a, patient(a, number3))
    pg.sql("INSERT INTO outbox (tenant_id, topic, channel, subject_id, contact_id, payload,"
           " send_at, state, attempts, recipient, sender) SELECT a.tenant_id,"
           " 'appointment.reminder', 'sms', a.id, a.patient_id, '{}', now(), 'failed', 1,"
           f" '{number3}', '{SENDER}' FROM clinic_appointments a WHERE a.id = '{appt3}'")
    assert answer_of(reply(srv, "C", number3)) is None
    assert appointment(a, appt)["confirmed_at"] is None
    assert appointment(a, appt3)["confirmed_at"] is None


def test_the_most_recent_sender_wins_and_the_other_tenant_is_never_touched(srv, a, b, pg):
    number = phone()
    ca, cb = patient(a, number), patient(b, number)
    appt_a, appt_b = book(a, ca), book(b, cb)
    sent(pg, appt_a, number, age="2 hours")
    sent(pg, appt_b, number, age="1 hour")
    assert "Clinic replies-b" in answer_of(reply(srv, "C", number))
    assert appointment(b, appt_b)["confirmed_via"] == "sms"
    assert appointment(a, appt_a)["confirmed_at"] is None
    assert pg.sql(f"SELECT count(*) FROM inbound_messages WHERE tenant_id = '{a.id}'"
                  f" AND sender = '{number}'") == [["0"]]
    # STOP goes to the same one: the other tenant's consent stays
    assert answer_of(reply(srv, "STOP", number)) is None
    assert pg.sql(f"SELECT tenant_id = '{b.id}', consent ->> 'sms_reminders' FROM contacts"
                  f" WHERE phone = '{number}' ORDER BY 1") == [["f", "true"], ["t", "false"]]
    # a later message of A's makes A the one a reply answers
    sent(pg, appt_a, number, age="1 minute")
    assert "Clinic replies-a" in answer_of(reply(srv, "X", number))
    assert appointment(a, appt_a)["status"] == "cancelled"
    assert appointment(b, appt_b)["status"] == "booked"
    # the most recent message was a suspended tenant's: nobody else's record is touched
    slug = "replies-" + secrets.token_hex(4)
    other = pg.sql(f"INSERT INTO tenants (name, slug, time_zone, status) VALUES ('Gone', '{slug}',"
                   " 'Europe/London', 'suspended') RETURNING id")[0][0]
    pg.sql("INSERT INTO outbox (tenant_id, topic, channel, payload, send_at, state, sent_at,"
           f" provider_id, recipient, sender) VALUES ('{other}', 'test.reply', 'sms', '{{}}',"
           f" now(), 'sent', now() - interval '10 seconds', '{sid()}', '{number}', '{SENDER}')")
    message_sid = sid()
    assert answer_of(reply(srv, "C", number, message_sid=message_sid)) is None
    assert pg.sql(f"SELECT count(*) FROM inbound_messages WHERE provider_id = '{message_sid}'") \
        == [["0"]]
    assert appointment(b, appt_b)["status"] == "booked"


def test_the_same_message_sid_again_is_recorded_and_acted_on_once(srv, a, pg):
    number, _, appt, _, _ = scene(a, pg)
    message_sid = sid()
    first = answer_of(reply(srv, "C", number, message_sid=message_sid))
    assert "is confirmed" in first
    confirmed_at = appointment(a, appt)["confirmed_at"]
    for _ in range(2):
        assert answer_of(reply(srv, "C", number, message_sid=message_sid)) is None
        # whichever tenant's message is the last now
        assert answer_of(reply(srv, "X", number, message_sid=message_sid)) is None
    assert pg.sql(f"SELECT count(*) FROM inbound_messages WHERE provider_id = '{message_sid}'") \
        == [["1"]]
    got = appointment(a, appt)
    assert got["status"] == "booked" and got["confirmed_at"] == confirmed_at
    assert pg.sql("SELECT count(*) FROM audit_log WHERE entity_type = 'clinic_appointments'"
                  f" AND entity_id = '{appt}' AND action = 'update'") == [["1"]]


def test_concurrent_deliveries_of_one_reply_act_once(srv, a, pg):
    from concurrent.futures import ThreadPoolExecutor
    number, _, appt, _, _ = scene(a, pg)
    message_sid = sid()
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: answer_of(reply(srv, "X", number,
                                                          message_sid=message_sid)), range(4)))
    assert sum(1 for x in answers if x) == 1
    assert appointment(a, appt)["status"] == "cancelled"
    assert pg.sql(f"SELECT count(*) FROM inbound_messages WHERE provider_id = '{message_sid}'") \
        == [["1"]]


# --- the inbox -------------------------------------------------------------------------------

def test_the_inbox_lists_unhandled_first_newest_first_in_pages(srv, b, pg):
    number, *_ = scene(b, pg)
    texts = [f"inbox order {i}" for i in range(4)]
    for t in texts:
        assert answer_of(reply(srv, t, number)) is None
    items = b.request("receptionist", "GET", "/api/v1/inbox?limit=200").json()["data"]
    ids = {i["body"]: i["id"] for i in items}
    r = b.request("receptionist", "PATCH", f"/api/v1/inbox/{ids['inbox order 1']}",
                  json={"handled": True})
    assert r.status_code == 200, r.text
    assert r.json()["handled"] is True and r.json()["handled_by"] == b.users["receptionist"]
    assert r.headers["ETag"] == f'"{r.json()["version"]}"'
    # unhandled first (newest first), then handled ones
    pages, cursor = [], None
    while True:
        q = "/api/v1/inbox?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = b.request("receptionist", "GET", q).json()
        pages += page["data"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    mine = [i["body"] for i in pages if i["body"].startswith("inbox order")]
    assert mine == ["inbox order 3", "inbox order 2", "inbox order 0", "inbox order 1"]
    handled = [i["handled"] for i in pages]
    assert handled == sorted(handled)  # every unhandled one before every handled one
    assert len({i["id"] for i in pages}) == len(pages)
    only = b.request("receptionist", "GET", "/api/v1/inbox?handled=true&limit=200").json()["data"]
    assert all(i["handled"] for i in only) and ids["inbox order 1"] in [i["id"] for i in only]
    only = b.request("receptionist", "GET", "/api/v1/inbox?handled=false&limit=200").json()
    assert not any(i["handled"] for i in only["data"])
    assert_problem(b.request("receptionist", "GET", "/api/v1/inbox?handled=maybe"), 400,
                   field="query.handled")
    # a page showing patients is in the audit log
    assert pg.sql("SELECT count(*) > 0 FROM audit_log WHERE entity_type = 'inbound_messages'"
                  f" AND action = 'search' AND tenant_id = '{b.id}'") == [["t"]]


def test_marking_a_reply_handled_and_back(srv, a, b, pg):
    number, *_ = scene(a, pg)
    message_sid = sid()
    reply(srv, "please call me", number, message_sid=message_sid)
    id_ = pg.sql(f"SELECT id FROM inbound_messages WHERE provider_id = '{message_sid}'")[0][0]
    path = f"/api/v1/inbox/{id_}"
    r = a.request("receptionist", "PATCH", path, json={"handled": True},
                  headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    handled_at = r.json()["handled_at"]
    # stale version
    assert_problem(a.request("admin", "PATCH", path, json={"handled": False},
                             headers={"If-Match": '"1"'}), 412)
    # marking it again keeps who and when
    r = a.request("admin", "PATCH", path, json={"handled": True})
    assert r.json()["handled_at"] == handled_at
    assert r.json()["handled_by"] == a.users["receptionist"]
    r = a.request("admin", "PATCH", path, json={"handled": False}, headers={"If-Match": '"3"'})
    assert r.status_code == 200 and r.json()["handled"] is False
    assert r.json()["handled_by"] is None and r.json()["handled_at"] is None
    for body, field in (({}, "handled"), ({"handled": "yes"}, "handled"),
                        ({"handled": True, "body": "x"}, "body")):
        assert_problem(a.request("receptionist", "PATCH", path, json=body), 422, field=field)
    # another tenant's reply is none of B's business; nor is a made-up id
    assert_problem(b.request("admin", "PATCH", path, json={"handled": True}), 404)
    assert_problem(b.request("admin", "PATCH", "/api/v1/inbox/not-a-uuid",
                             json={"handled": True}), 404)
    assert id_ not in b.request("admin", "GET", "/api/v1/inbox?limit=200").text
    # audited
    assert pg.sql("SELECT count(*) FROM audit_log WHERE entity_type = 'inbound_messages'"
                  f" AND entity_id = '{id_}' AND action = 'update'") == [["2"]]


@pytest.mark.parametrize("role,allowed", [("admin", True), ("receptionist", True),
                                          ("practitioner", False), ("sales", False),
                                          ("viewer", False), ("auditor", False)])
def test_who_may_read_and_handle_the_inbox(srv, a, pg, role, allowed):
    number, *_ = scene(a, pg)
    message_sid = sid()
    reply(srv, "roles", number, message_sid=message_sid)
    id_ = pg.sql(f"SELECT id FROM inbound_messages WHERE provider_id = '{message_sid}'")[0][0]
    got = a.request(role, "GET", "/api/v1/inbox")
    changed = a.request(role, "PATCH", f"/api/v1/inbox/{id_}", json={"handled": True})
    if allowed:
        assert got.status_code == 200 and changed.status_code == 200
    else:
        assert_problem(got, 403)
        assert_problem(changed, 403)


def test_replies_follow_their_contact_into_exports_merges_and_erasure(srv, a, pg):
    """A reply is personal data of its contact: in the GDPR export, moved by a merge, and its
    text and sender gone with an erasure."""
    number = phone()
    lead = a.request("admin", "POST", "/api/v1/contacts",
                     json={"type": "lead", "first_name": "Lee", "phone": number}).json()["id"]
    keep = a.request("admin", "POST", "/api/v1/contacts",
                     json={"type": "lead", "first_name": "Kay"}).json()["id"]
    pg.sql("INSERT INTO outbox (tenant_id, topic, channel, contact_id, payload, send_at, state,"
           f" sent_at, provider_id, recipient, sender) VALUES ('{a.id}', 'test.reply', 'sms',"
           f" '{lead}', '{{}}', now(), 'sent', now(), '{sid()}', '{number}', '{SENDER}')")
    message_sid = sid()
    # a confirm word to a kind that has no reply of its own: nothing to do, for reception
    assert answer_of(reply(srv, "Yes, this is Lee", number, message_sid=message_sid)) is None
    assert pg.sql("SELECT intent, outcome, handled_at IS NULL FROM inbound_messages"
                  f" WHERE provider_id = '{message_sid}'") == [["confirm", "not_applicable", "t"]]
    r = a.request("admin", "POST", f"/api/v1/contacts/{keep}/merge", json={"source_id": lead})
    assert r.status_code == 200, r.text
    exported = a.request("admin", "GET", f"/api/v1/contacts/{keep}/export").json()
    assert [m["body"] for m in exported["inbound_messages"]] == ["Yes, this is Lee"]
    assert exported["inbound_messages"][0]["provider_id"] == message_sid
    assert a.request("admin", "POST", f"/api/v1/contacts/{keep}/erase").status_code == 200
    assert pg.sql("SELECT contact_id, body, sender, intent FROM inbound_messages"
                  f" WHERE provider_id = '{message_sid}'") == [
        [keep, "[erased]", "[erased]", "confirm"]]
    # the audit log keeps which fields the erasure cleared, never what they said
    trail = pg.sql("SELECT action, changes::text FROM audit_log WHERE entity_type ="
                   f" 'inbound_messages' AND tenant_id = '{a.id}' AND entity_id = (SELECT"
                   f" id::text FROM inbound_messages WHERE provider_id = '{message_sid}')"
                   " ORDER BY id")
    assert trail[-1][0] == "erase"
    assert all("this is Lee" not in changes and number not in changes for _, changes in trail)


def test_one_phone_on_two_records_leaves_the_reply_to_reception(srv, a, pg):
    """A parent's phone on two children's records, each reminded: which appointment "X" means
    is not known, so nothing is cancelled and the reply waits in the inbox."""
    number, _, first, _, _ = scene(a, pg, age="3 hours")
    r = a.request("receptionist", "POST", "/api/v1/contacts?allow_duplicate=true",
                  json={"type": "patient", "first_name": "Ben", "last_name": "Reply",
                        "phone": number, "consent": {"sms_reminders": True}})
    assert r.status_code == 201, r.text
    second = book(a, r.json()["id"])
    sent(pg, second, number, age="1 hour")
    message_sid = sid()
    assert answer_of(reply(srv, "X", number, message_sid=message_sid)) is None
    assert appointment(a, first)["status"] == "booked"
    assert appointment(a, second)["status"] == "booked"
    assert pg.sql("SELECT intent, outcome, handled_at IS NULL, in_reply_to IS NULL FROM"
                  f" inbound_messages WHERE provider_id = '{message_sid}'") == [
        ["cancel", "not_applicable", "t", "t"]]
