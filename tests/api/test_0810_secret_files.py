"""Settings read from files (CRM_X_FILE), as Docker and ECS hand secrets to a container: a server
started with its database URL and platform key in files serves with them; both forms at once,
or a file that is not there, stop it with the variable named."""
import os
import subprocess
import tempfile

from crmtest import CRM, PLATFORM_KEY, crm


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
