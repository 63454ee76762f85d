"""The administration commands: crm tenant, crm user, crm keys."""
import json
import re

from crmtest import PASSWORD, assert_problem, crm, login


def admin(pg, *args):
    return crm(*args, env={"CRM_DATABASE_URL": pg.url()})


def test_tenant_create_list_suspend_resume(server, pg):
    out = admin(pg, "tenant", "create", "--name", "Lambda Clinic", "--slug", "lambda",
                "--admin-email", "boss@lambda.test", "--modules", "testkit",
                "--time-zone", "Europe/Paris", "--default-country", "FR")
    assert out.returncode == 0, out.stderr
    password = re.search(r"admin password \(shown once\): (\S+)", out.stdout).group(1)
    assert len(password) >= 12
    assert login(server, "lambda", "boss@lambda.test", password).status_code == 200
    listed = admin(pg, "tenant", "list")
    assert listed.returncode == 0
    line = [l for l in listed.stdout.splitlines() if " lambda " in l][0]
    assert "active" in line and "Europe/Paris" in line and "testkit" in line
    assert admin(pg, "tenant", "suspend", "lambda").returncode == 0
    assert pg.sql("SELECT status FROM tenants WHERE slug = 'lambda'") == [["suspended"]]
    assert_problem(login(server, "lambda", "boss@lambda.test", password), 401)
    assert admin(pg, "tenant", "resume", "lambda").returncode == 0
    assert login(server, "lambda", "boss@lambda.test", password).status_code == 200
    # the SMS senders the tenant may use: numbers normalised, a bad one refused by name
    out = admin(pg, "tenant", "sms-senders", "lambda", "--sms-senders", "+33 6 12 34 56 78,Lambda")
    assert out.returncode == 0, out.stderr
    assert pg.sql("SELECT settings -> 'sms_senders' FROM tenants WHERE slug = 'lambda'") == [
        ['["+33612345678", "Lambda"]']]
    out = admin(pg, "tenant", "sms-senders", "lambda", "--sms-senders", "12")
    assert out.returncode != 0 and "sms_senders[0]" in out.stderr
    assert admin(pg, "tenant", "sms-senders", "lambda", "--sms-senders", "").returncode == 0
    assert pg.sql("SELECT settings -> 'sms_senders' FROM tenants WHERE slug = 'lambda'") == [
        ["[]"]]


def test_tenant_create_refuses_bad_input_like_the_api(pg):
    out = admin(pg, "tenant", "create", "--name", "Bad", "--slug", "Not A Slug",
                "--admin-email", "x@bad.test", "--admin-password", "short")
    assert out.returncode == 1
    assert "slug:" in out.stderr and "admin_password:" in out.stderr
    assert pg.sql("SELECT count(*) FROM tenants WHERE name = 'Bad'") == [["0"]]
    assert admin(pg, "tenant", "suspend", "no-such").returncode == 1
    assert admin(pg, "tenant", "frobnicate").returncode == 2


def test_user_create_list_disable_reset(server, pg):
    assert admin(pg, "tenant", "create", "--name", "Mu", "--slug", "mu", "--admin-email",
                 "a@mu.test", "--admin-password", PASSWORD).returncode == 0
    out = admin(pg, "user", "create", "--tenant", "mu", "--email", "doc@mu.test",
                "--full-name", "Doc Mu", "--role", "practitioner", "--practitioner",
                "--password", PASSWORD)
    assert out.returncode == 0, out.stderr
    assert login(server, "mu", "doc@mu.test").status_code == 200
    listed = admin(pg, "user", "list", "--tenant", "mu").stdout
    assert re.search(r"doc@mu\.test\s+practitioner\s+yes\s+Doc Mu", listed)
    out = admin(pg, "user", "reset-password", "--tenant", "mu", "--email", "doc@mu.test")
    assert out.returncode == 0, out.stderr
    new_password = re.search(r"\(shown once\): (\S+)", out.stdout).group(1)
    assert_problem(login(server, "mu", "doc@mu.test"), 401)
    assert login(server, "mu", "doc@mu.test", new_password).status_code == 200
    assert admin(pg, "user", "disable", "--tenant", "mu", "--email", "doc@mu.test").returncode == 0
    assert_problem(login(server, "mu", "doc@mu.test", new_password), 401)
    bad = admin(pg, "user", "create", "--tenant", "mu", "--email", "x@mu.test",
                "--full-name", "X", "--role", "root")
    assert bad.returncode == 1 and "role:" in bad.stderr
    assert admin(pg, "user", "list", "--tenant", "nowhere").returncode == 1
    assert admin(pg, "user", "list").returncode == 2


def test_keys_generate_prints_a_usable_entry(tmp_path):
    out = crm("keys", "generate")
    assert out.returncode == 0
    entry = json.loads(out.stdout)
    assert entry["alg"] == "HS256" and re.match(r"^k\d{8}-[0-9a-f]{6}$", entry["kid"])
    assert len(entry["secret"]) == 43
    for alg in ["RS256", "ES256"]:
        out = crm("keys", "generate", "--alg", alg, "--kid", f"t-{alg}", "--dir", str(tmp_path))
        assert out.returncode == 0, out.stderr
        entry = json.loads(out.stdout)
        assert entry["private_key_file"].endswith(f"t-{alg}.key.pem")
        assert (tmp_path / f"t-{alg}.pub.pem").exists()
        assert oct((tmp_path / f"t-{alg}.key.pem").stat().st_mode & 0o777) == "0o600"
    assert crm("keys", "generate", "--alg", "none").returncode == 2
    assert crm("keys", "rotate").returncode == 2
