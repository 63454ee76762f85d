"""Settings read from files (CRM_X_FILE), as Docker and ECS hand secrets to a container: a server
started with its database URL and platform key in files serves with them; both forms at once,
or a file that is not there, stop it with the variable named. The access-token key set may be
given inline, as a secret in an environment variable."""
import base64
import json
import os
import subprocess
import tempfile

from crmtest import CRM, PLATFORM_KEY, Tenant, crm, login, new_key


def secret(text):
    fd, path = tempfile.mkstemp(prefix="crm-secret-")
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    return path


def test_a_server_reads_its_secrets_from_files(pg, make_server):
    url, key = secret(pg.url()), secret(PLATFORM_KEY)
    try:
        s = make_server(pg, env={"CRM_DATABASE_URL": None, "CRM_DATABASE_URL_FILE": url,
                                 "CRM_PLATFORM_KEY": None, "CRM_PLATFORM_KEY_FILE": key})
        assert s.get("/readyz").status_code == 200
        r = s.get("/platform/v1/tenants", headers={"Authorization": f"Bearer {PLATFORM_KEY}"})
        assert r.status_code == 200, r.text
    finally:
        os.unlink(url)
        os.unlink(key)


def test_both_forms_or_a_missing_file_are_refused(pg):
    url = secret(pg.url())
    try:
        out = crm("migrate", env={"CRM_DATABASE_URL": pg.url(), "CRM_DATABASE_URL_FILE": url})
        assert out.returncode == 2
        assert "CRM_DATABASE_URL and CRM_DATABASE_URL_FILE: set one of them" in out.stderr
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_DATABASE_URL")}
        env["CRM_DATABASE_URL_FILE"] = url + ".gone"
        out = subprocess.run([CRM, "migrate"], capture_output=True, text=True, env=env,
                             timeout=60)
        assert out.returncode == 2 and "CRM_DATABASE_URL_FILE: cannot read" in out.stderr
    finally:
        os.unlink(url)


def test_the_key_set_given_inline_or_in_a_secret_file(pg, make_server, server):
    """CRM_JWT_KEYS holding the key set itself (an ECS or App Runner secret), or one key
    alone, or CRM_JWT_KEYS_FILE naming a file that holds it: the server signs and verifies with
    it. A token of another key set is refused; a broken inline set stops the server without
    showing the secret."""
    entry = new_key(kid="inline-1")
    path = secret(json.dumps({"keys": [entry]}))
    tenant = Tenant(server, "inline-keys")
    try:
        for env in ({"CRM_JWT_KEYS": json.dumps({"keys": [entry]})},
                    {"CRM_JWT_KEYS": json.dumps(entry)},
                    {"CRM_JWT_KEYS": None, "CRM_JWT_KEYS_FILE": path}):
            s = make_server(pg, env=env)
            r = login(s, "inline-keys", "admin@inline-keys.test")
            assert r.status_code == 200, r.text
            token = r.json()["access_token"]
            assert json.loads(b64url(token.split(".")[0]))["kid"] == "inline-1"
            me = s.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, me.text
            other = s.get("/api/v1/me",
                          headers={"Authorization": f"Bearer {tenant.tokens['admin']}"})
            assert other.status_code == 401, other.text
            s.stop()
        broken = json.dumps({"keys": [entry]})[:-3]
        out = subprocess.run([CRM, "serve"], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "CRM_DATABASE_URL": pg.url(),
                                  "CRM_PLATFORM_KEY": PLATFORM_KEY, "CRM_JWT_KEYS": broken,
                                  "CRM_LISTEN": "127.0.0.1:0"})
        assert out.returncode != 0
        assert "CRM_JWT_KEYS: the key set given inline is not JSON" in out.stderr + out.stdout
        assert entry["secret"] not in out.stderr + out.stdout
    finally:
        os.unlink(path)


def b64url(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
