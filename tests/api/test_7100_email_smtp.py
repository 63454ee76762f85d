"""Email over SMTP: `crm messaging test-email` against a local SMTP server (aiosmtpd) with
STARTTLS and AUTH, asserting on what the server received: envelope, headers, both parts, the
invitation parsed with icalendar; refusals (550, bad credentials, untrusted certificate, no
STARTTLS from a host that is not local); and the .eml folder used without CRM_SMTP_URL."""
import datetime
import email
import email.policy
import email.utils
import ipaddress
import os
import re
import socket
import ssl
import subprocess

import icalendar
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from crmtest import CRM, SANITIZER_MARKERS

FROM = "noreply@clinic.example"
USER = "clinic@relay"
PASSWORD = "p@ss:w/rd %"
# the same, percent-encoded as a URL's user information must be
USERINFO = "clinic%40relay:p%40ss%3Aw%2Frd%20%25"


def free_port(host):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """A self-signed certificate for localhost, 127.0.0.1 and 127.0.0.2: (cert, key) paths."""
    folder = tmp_path_factory.mktemp("smtp-tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("127.0.0.2")),
        ]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


class Mailbox:
    """The server's handler: keeps what it accepted; answers RCPT with a set reply for some."""

    def __init__(self):
        self.messages = []
        self.rcpt_replies = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "raw": envelope.original_content,
            "tls": session.ssl is not None,
            "login": session.auth_data.login if session.auth_data else None,
        })
        return "250 2.0.0 Accepted"


class Authenticator:
    """AUTH LOGIN and PLAIN against one user; records the mechanisms tried."""

    def __init__(self):
        self.mechanisms = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.mechanisms.append(mechanism)
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
              and auth_data.password == PASSWORD.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class SmtpServer:
    def __init__(self, cert=None, host="127.0.0.1", auth=True):
        self.mailbox = Mailbox()
        self.auth = Authenticator()
        self.host = host
        self.port = free_port(host)
        kwargs = {}
        if cert:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(*cert)
            kwargs.update(tls_context=ctx, require_starttls=True)
        if auth:
            kwargs.update(authenticator=self.auth, auth_required=True, auth_require_tls=True)
        self.controller = Controller(self.mailbox, hostname=host, port=self.port,
                                     server_hostname="mx.test", **kwargs)
        self.controller.start()

    def url(self, userinfo=USERINFO, host=None):
        at = f"{userinfo}@" if userinfo else ""
        return f"smtp://{at}{host or self.host}:{self.port}"

    def stop(self):
        self.controller.stop()


@pytest.fixture
def smtp(cert):
    server = SmtpServer(cert)
    yield server
    server.stop()


def send(to, *args, env=None):
    """Runs `crm messaging test-email TO ARGS` with only these CRM_ settings."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    full.update({k: v for k, v in (env or {}).items() if v is not None})
    out = subprocess.run([CRM, "messaging", "test-email", to, *args], capture_output=True,
                         text=True, env=full, timeout=60)
    for marker in SANITIZER_MARKERS:
        assert marker not in out.stderr, out.stderr
    return out


def relay_env(server, cert, **extra):
    env = {"CRM_SMTP_URL": server.url(), "CRM_SMTP_FROM": FROM, "CRM_SMTP_CA_FILE": cert[0]}
    env.update(extra)
    return env


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_message_over_starttls_with_auth(smtp, cert):
    out = send("ann.smith@example.org", "--from-name", "Riverside Clinic",
               "--reply-to", "desk@riverside.example", env=relay_env(smtp, cert))
    assert out.returncode == 0, out.stderr
    message_id = out.stdout.strip()
    assert re.fullmatch(r"<[0-9a-f]{32}@clinic\.example>", message_id), out.stdout

    # the envelope, over TLS, after AUTH PLAIN with the URL's decoded user and password
    assert len(smtp.mailbox.messages) == 1
    got = smtp.mailbox.messages[0]
    assert got["mail_from"] == FROM
    assert got["rcpt_tos"] == ["ann.smith@example.org"]
    assert got["tls"] is True
    assert got["login"] == USER.encode()
    assert smtp.auth.mechanisms == ["PLAIN"]

    # CRLF lines within RFC 5322's 78 characters (76 in the bodies)
    raw = got["raw"]
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78

    msg = parse(raw)
    assert msg["From"].addresses[0].display_name == "Riverside Clinic"
    assert msg["From"].addresses[0].addr_spec == FROM
    assert str(msg["To"]) == "ann.smith@example.org"
    assert str(msg["Reply-To"]) == "desk@riverside.example"
    assert str(msg["Subject"]) == "Test message from crm"
    assert msg["Message-ID"] == message_id
    assert msg["MIME-Version"] == "1.0"
    sent_at = email.utils.parsedate_to_datetime(msg["Date"])
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - sent_at).total_seconds()) < 120

    # multipart/mixed > (multipart/alternative > text/plain, text/html), text/calendar
    assert msg.get_content_type() == "multipart/mixed"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["multipart/alternative", "text/calendar"]
    alternative = list(parts[0].iter_parts())
    assert [p.get_content_type() for p in alternative] == ["text/plain", "text/html"]
    for p in alternative:
        assert p.get_content_charset() == "utf-8"
        assert p["Content-Transfer-Encoding"] == "quoted-printable"
    assert "This is a test message from crm." in alternative[0].get_content()
    assert "<strong>test message</strong>" in alternative[1].get_content()

    ics = parts[1]
    assert ics.get_param("method") == "REQUEST"
    assert ics.get_content_disposition() == "attachment"
    assert ics.get_filename() == "invite.ics"
    assert ics["Content-Transfer-Encoding"] == "base64"
    calendar = icalendar.Calendar.from_ical(ics.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "REQUEST"
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    assert re.fullmatch(r"test-[0-9a-f]{32}@clinic\.example", str(events[0]["UID"]))
    assert str(events[0]["ORGANIZER"]) == "mailto:" + FROM
    assert str(events[0]["ATTENDEE"]) == "mailto:ann.smith@example.org"


def test_auth_login_chosen_in_the_url(smtp, cert):
    url = smtp.url(userinfo=USERINFO.replace(":", ";AUTH=LOGIN:", 1))
    out = send("ann.smith@example.org", env=relay_env(smtp, cert, CRM_SMTP_URL=url))
    assert out.returncode == 0, out.stderr
    assert smtp.auth.mechanisms == ["LOGIN"]
    assert smtp.mailbox.messages[0]["login"] == USER.encode()


def test_wrong_password_is_refused_and_worth_retrying(smtp, cert):
    url = smtp.url(userinfo="clinic%40relay:wrong")
    out = send("ann.smith@example.org", env=relay_env(smtp, cert, CRM_SMTP_URL=url))
    assert out.returncode == 1
    assert "failed, worth retrying (SMTP 535)" in out.stderr, out.stderr
    assert "wrong" not in out.stderr  # the password is never printed
    assert smtp.mailbox.messages == []


def test_hostile_display_names(smtp, cert):
    name = "<script>alert(1)</script> Clinic"
    out = send("ann.smith@example.org", "--from-name", name, env=relay_env(smtp, cert))
    assert out.returncode == 0, out.stderr
    raw = smtp.mailbox.messages[0]["raw"]
    # quoted: the name is text, and the address stays the sender's own
    assert b'From: "<script>alert(1)</script> Clinic" <noreply@clinic.example>\r\n' in raw
    sender = parse(raw)["From"].addresses
    assert len(sender) == 1
    assert sender[0].display_name == name and sender[0].addr_spec == FROM

    # a CR or LF would start a header of its own: refused, nothing reaches the server
    for flag, value, field in [
        ("--from-name", "Clinic\r\nBcc: victim@example.org", "from_name"),
        ("--from-name", "Clinic\nBcc: victim@example.org", "from_name"),
        ("--subject", "Hello\r\nBcc: victim@example.org", "subject"),
        ("--reply-to", "desk@riverside.example\r\nBcc: victim@example.org", "reply_to"),
    ]:
        out = send("ann.smith@example.org", flag, value, env=relay_env(smtp, cert))
        assert out.returncode == 1, (flag, out.stderr)
        assert f"failed for good: {field}: must not contain CR or LF" in out.stderr, out.stderr
    assert len(smtp.mailbox.messages) == 1
    assert b"victim" not in raw


@pytest.mark.parametrize("reply,status,verdict", [
    ("550 5.1.1 <nobody@example.org>: Recipient address rejected", 550, "failed for good"),
    ("553 5.1.3 Bad recipient address syntax", 553, "failed for good"),
    ("451 4.3.0 Try again later", 451, "failed, worth retrying"),
])
def test_refused_recipient_shows_the_code(smtp, cert, reply, status, verdict):
    smtp.mailbox.rcpt_replies["nobody@example.org"] = reply
    out = send("nobody@example.org", env=relay_env(smtp, cert))
    assert out.returncode == 1
    assert f"{verdict} (SMTP {status}): SMTP: RCPT failed: {status}" in out.stderr, out.stderr
    assert reply in out.stderr  # the server's own words, for the row's last error
    assert out.stdout == ""
    assert smtp.mailbox.messages == []


def test_malformed_address_is_refused_before_connecting(smtp, cert):
    out = send("not an address", env=relay_env(smtp, cert))
    assert out.returncode == 1
    assert "'not an address' is not an email address" in out.stderr
    assert smtp.mailbox.messages == []


def test_untrusted_certificate_is_refused(smtp, cert):
    out = send("ann.smith@example.org", env=relay_env(smtp, cert, CRM_SMTP_CA_FILE=None))
    assert out.returncode == 1
    assert "failed, worth retrying: SMTP: SSL certificate problem" in out.stderr, out.stderr
    assert smtp.mailbox.messages == []


def test_starttls_required_unless_the_host_is_local(cert):
    """A relay without STARTTLS: refused on 127.0.0.2 (not one of the local names), used on
    127.0.0.1, where the connection never leaves the machine."""
    plain = SmtpServer(cert=None, host="127.0.0.2", auth=False)
    try:
        env = {"CRM_SMTP_URL": plain.url(userinfo=None), "CRM_SMTP_FROM": FROM,
               "CRM_SMTP_CA_FILE": cert[0]}
        out = send("ann.smith@example.org", env=env)
        assert out.returncode == 1
        assert "failed, worth retrying: SMTP: STARTTLS not supported" in out.stderr, out.stderr
        assert plain.mailbox.messages == []
    finally:
        plain.stop()
    local = SmtpServer(cert=None, host="127.0.0.1", auth=False)
    try:
        env = {"CRM_SMTP_URL": local.url(userinfo=None), "CRM_SMTP_FROM": FROM}
        out = send("ann.smith@example.org", env=env)
        assert out.returncode == 0, out.stderr
        assert len(local.mailbox.messages) == 1
        assert local.mailbox.messages[0]["tls"] is False
    finally:
        local.stop()


def test_without_smtp_url_the_message_is_an_eml_file(tmp_path):
    folder = tmp_path / "var" / "mail"  # made on first use
    out = send("ann.smith@example.org", "--from-name", "Riverside Clinic",
               env={"CRM_MAIL_DIR": str(folder)})
    assert out.returncode == 0, out.stderr
    message_id = out.stdout.strip()
    assert re.fullmatch(r"<[0-9a-f]{32}@localhost>", message_id)
    names = os.listdir(folder)
    assert len(names) == 1, names  # no temporary file left beside it
    assert re.fullmatch(r"\d{8}T\d{6}Z-" + re.escape(message_id[1:-1]) + r"\.eml", names[0])
    assert str(folder / names[0]) in out.stderr  # logged, so a newcomer finds it
    with open(folder / names[0], "rb") as f:
        msg = parse(f.read())
    assert msg["Message-ID"] == message_id
    assert str(msg["To"]) == "ann.smith@example.org"
    assert msg["From"].addresses[0].addr_spec == "noreply@localhost"
    kinds = [p.get_content_type() for p in msg.walk()]
    assert kinds == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html",
                     "text/calendar"]


def test_configuration_errors_exit_2():
    for env, name in [
        ({"CRM_SMTP_URL": "smtp://127.0.0.1:2525"}, "CRM_SMTP_FROM"),
        ({"CRM_SMTP_URL": "http://127.0.0.1:2525", "CRM_SMTP_FROM": FROM}, "CRM_SMTP_URL"),
        ({"CRM_SMTP_FROM": "not an address"}, "CRM_SMTP_FROM"),
        ({"CRM_SMTP_URL": "smtp://127.0.0.1:2525", "CRM_SMTP_FROM": FROM,
          "CRM_SMTP_CA_FILE": "/nonexistent.pem"}, "CRM_SMTP_CA_FILE"),
    ]:
        out = send("ann.smith@example.org", env=env)
        assert out.returncode == 2, (env, out.stderr)
        assert name in out.stderr, out.stderr
    out = subprocess.run([CRM, "messaging", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for var in ["CRM_SMTP_URL", "CRM_SMTP_FROM", "CRM_SMTP_CA_FILE", "CRM_MAIL_DIR"]:
        assert var in out.stdout, var
