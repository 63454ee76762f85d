"""demo.py - `crm dev` in a throwaway folder (its own PostgreSQL, migrations, the demo clinic)
on a free port, for the screenshots and the UI benchmark: they show and measure the app as a
newcomer's `make run` does."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Demo:
    def __init__(self, binary=None, env=None):
        self.dir = tempfile.mkdtemp(prefix="crm-demo-")
        os.chmod(self.dir, 0o755)
        self.log_path = os.path.join(self.dir, "crm-dev.log")
        full_env = dict(os.environ, CRM_DEV_DIR=os.path.join(self.dir, "dev"),
                        CRM_LISTEN="127.0.0.1:0", CRM_WEB_DIR=os.path.join(ROOT, "web", "dist"),
                        CRM_LOGIN_IP_MAX="100000")
        full_env.update(env or {})
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([binary or os.path.join(ROOT, "build", "crm"), "dev"],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=full_env,
                                     start_new_session=True)
        self.base = self._wait()

    def _wait(self):
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            with open(self.log_path) as f:
                text = f.read()
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", text)
            if m:
                return f"http://127.0.0.1:{m.group(1)}"
            if self.proc.poll() is not None:
                raise RuntimeError(f"crm dev exited {self.proc.returncode}:\n{text}")
            time.sleep(0.1)
        raise RuntimeError("crm dev did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
