"""`crm messaging test-sms` against a local fake of Twilio's Messages API: the request Twilio
gets (path, Basic auth, form fields), and how its answers classify (sent, permanent, temporary);
without an account SID, the line written to CRM_SMS_LOG."""
import base64
import os
import re
import shutil
import socket
import subprocess
import tempfile

import pytest

from crmtest import CRM, SANITIZER_MARKERS
from fake_twilio import FROM, SID, TOKEN, FakeTwilio, error
from fake_twilio import created as fake_created

TO = "+447700900123"
MESSAGE_SID = "SM" + "0123456789abcdef" * 2


@pytest.fixture
def twilio():
    fake = FakeTwilio()
    yield fake
    fake.close()


@pytest.fixture
def workdir():
    path = tempfile.mkdtemp(prefix="crm-sms-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def send_sms(*args, env=None, cwd=None):
    """Runs `crm messaging test-sms ARGS` with env over a clean environment (None unsets)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_TWILIO_", "CRM_SMS_"))}
    full.update(env or {})
    full = {k: v for k, v in full.items() if v is not None}
    out = subprocess.run([CRM, "messaging", "test-sms", *args], capture_output=True, text=True,
                         env=full, cwd=cwd, timeout=60)
    for marker in SANITIZER_MARKERS:
        assert marker not in out.stderr, out.stderr
    return out


def account(twilio, workdir):
    return {"CRM_TWILIO_ACCOUNT_SID": SID, "CRM_TWILIO_AUTH_TOKEN": TOKEN,
            "CRM_TWILIO_BASE_URL": twilio.url, "CRM_SMS_FROM": FROM,
            "CRM_SMS_LOG": os.path.join(workdir, "sms.log")}


def created(sid=MESSAGE_SID, status="queued"):
    return fake_created(sid, TO, status=status)


def test_sends_the_form_fields_with_basic_auth(twilio, workdir):
    text = "Hello & welcome: 50% off = 1+1 ✓\nSee you at 10:30 😀"
    twilio.answer(201, created())
    out = send_sms(TO, text, env=account(twilio, workdir))
    assert out.returncode == 0, out.stderr
    assert MESSAGE_SID in out.stdout and "queued" in out.stdout
    assert "UCS-2" in out.stdout
    assert len(twilio.requests) == 1
    req = twilio.requests[0]
    assert req["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    basic = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert req["headers"]["Authorization"] == f"Basic {basic}"
    assert req["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert req["headers"]["Accept"] == "application/json"
    assert req["form"] == {"To": [TO], "From": [FROM], "Body": [text]}
    assert not os.path.exists(os.path.join(workdir, "sms.log"))

    # Without a text, a test message; the sender may also come as a flag.
    twilio.answer(201, created(sid="SM" + "f" * 32, status="accepted"))
    env = account(twilio, workdir)
    del env["CRM_SMS_FROM"]
    out = send_sms(TO, "--sms-from", "ClinicName", env=env)
    assert out.returncode == 0, out.stderr
    assert "SM" + "f" * 32 in out.stdout and "accepted" in out.stdout
    form = twilio.requests[1]["form"]
    assert form["From"] == ["ClinicName"] and form["To"] == [TO]
    assert form["Body"][0].startswith("This is a test message from crm")


@pytest.mark.parametrize("code,message", [
    (21211, "The 'To' number +4477 is not a valid phone number."),
    (21610, "Attempt to send to unsubscribed recipient"),
    (21614, "'To' number is not a valid mobile number"),
])
def test_a_refused_number_is_a_permanent_failure(twilio, workdir, code, message):
    twilio.answer(400, error(code, message, 400))
    out = send_sms(TO, "hello", env=account(twilio, workdir))
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert "permanent" in out.stderr and "temporary" not in out.stderr
    assert f"Twilio code {code}" in out.stderr
    assert message in out.stderr
    assert out.stdout == ""
    assert len(twilio.requests) == 1  # not tried again


@pytest.mark.parametrize("status,body", [
    (500, error(20500, "Internal Server Error", 500)),
    (503, {"message": "Service Unavailable"}),
    (429, error(20429, "Too Many Requests", 429)),
])
def test_a_server_error_is_a_temporary_failure(twilio, workdir, status, body):
    twilio.answer(status, body)
    out = send_sms(TO, "hello", env=account(twilio, workdir))
    assert out.returncode == 75, (out.stdout, out.stderr)
    assert "temporary" in out.stderr and "permanent" not in out.stderr
    assert f"HTTP {status}" in out.stderr
    assert len(twilio.requests) == 1  # the retry is the worker's, later


def test_an_unreachable_api_is_a_temporary_failure(workdir):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    env = {"CRM_TWILIO_ACCOUNT_SID": SID, "CRM_TWILIO_AUTH_TOKEN": TOKEN,
           "CRM_TWILIO_BASE_URL": f"http://127.0.0.1:{port}", "CRM_SMS_FROM": FROM}
    out = send_sms(TO, "hello", env=env)
    assert out.returncode == 75, (out.stdout, out.stderr)
    assert "temporary" in out.stderr and "cannot reach Twilio" in out.stderr


def test_without_an_account_the_sms_goes_to_the_log_file(twilio, workdir):
    log = os.path.join(workdir, "var", "nested", "sms.log")
    env = {"CRM_SMS_LOG": log, "CRM_SMS_FROM": FROM, "CRM_TWILIO_BASE_URL": twilio.url}
    out = send_sms(TO, "Your appointment is tomorrow.\nReply C to confirm \\ X to cancel",
                   env=env)
    assert out.returncode == 0, out.stderr
    assert log in out.stdout and "CRM_TWILIO_ACCOUNT_SID is unset" in out.stdout
    out = send_sms("+447700900456", "Zażółć 😀", env={"CRM_SMS_LOG": log})
    assert out.returncode == 0, out.stderr
    with open(log, encoding="utf-8") as f:
        lines = f.read().split("\n")
    assert lines[-1] == "" and len(lines) == 3  # two messages, one line each
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    assert re.fullmatch(stamp + re.escape(
        f" from={FROM} to={TO} segments=1 encoding=GSM-7 body=Your appointment is tomorrow."
        r"\nReply C to confirm \\ X to cancel"), lines[0]), lines[0]
    assert re.fullmatch(stamp + re.escape(
        " from=- to=+447700900456 segments=1 encoding=UCS-2 body=Zażółć 😀"), lines[1]), lines[1]
    assert twilio.requests == []  # nothing went to the API


def test_the_default_log_file_is_var_sms_log(workdir):
    out = send_sms(TO, "hello", cwd=workdir)
    assert out.returncode == 0, out.stderr
    with open(os.path.join(workdir, "var", "sms.log"), encoding="utf-8") as f:
        assert f.read().endswith(f" to={TO} segments=1 encoding=GSM-7 body=hello\n")


def test_bad_settings_and_arguments_exit_2(twilio, workdir):
    env = account(twilio, workdir)
    cases = [
        (dict(env, CRM_TWILIO_AUTH_TOKEN=None), (TO,), "CRM_TWILIO_AUTH_TOKEN"),
        (dict(env, CRM_TWILIO_ACCOUNT_SID="AC1/../../x"), (TO,), "CRM_TWILIO_ACCOUNT_SID"),
        (dict(env, CRM_TWILIO_BASE_URL="ftp://api.example.com"), (TO,), "CRM_TWILIO_BASE_URL"),
        # Basic auth in clear only to this machine
        (dict(env, CRM_TWILIO_BASE_URL="http://api.example.com"), (TO,), "CRM_TWILIO_BASE_URL"),
        (env, ("--twilio-base-url", "https://api.example.com/path", TO), "--twilio-base-url"),
        (env, (), "needs the number"),
        (env, (TO, "text", "more"), "unexpected 'more'"),
        (env, (TO, "--frobnicate", "x"), "unknown argument '--frobnicate'"),
        (env, (TO, b"caf\xe9"), "not UTF-8"),  # Latin-1, not UTF-8
    ]
    for case_env, args, named in cases:
        out = send_sms(*args, env=case_env)
        assert out.returncode == 2, (args, out.stderr)
        assert named in out.stderr, out.stderr
    assert twilio.requests == []
