"""fake_twilio.py - a local fake of Twilio's REST API as far as creating a message goes, for the
tests of the SMS channel and of the delivery worker."""
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "auth-token-of-the-suite"
FROM = "+441234567890"


def created(sid, to, sender=FROM, status="queued"):
    """Twilio's 201 answer to a new message."""
    return {"sid": sid, "account_sid": SID, "to": to, "from": sender, "status": status,
            "num_segments": "1", "direction": "outbound-api", "error_code": None,
            "error_message": None, "api_version": "2010-04-01"}


def error(code, message, status):
    """Twilio's error answer."""
    return {"code": code, "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


class FakeTwilio:
    """Records each request and answers with the next of the answers queued (status, JSON
    body); with none queued, accepts the message with a new SID. delay (seconds) is waited
    before each answer, as a slow provider would."""

    def __init__(self, delay=0.0):
        self.requests = []
        self.answers = []
        self.delay = delay
        self.lock = threading.Lock()
        sids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True,
                                strict_parsing=bool(body))
                with fake.lock:
                    fake.requests.append({"method": "POST", "path": self.path,
                                          "headers": dict(self.headers), "form": form})
                    if fake.answers:
                        status, answer = fake.answers.pop(0)
                    else:
                        status = 201
                        answer = created(f"SM{next(sids):032x}", form.get("To", [""])[0],
                                         form.get("From", [FROM])[0])
                if fake.delay:
                    time.sleep(fake.delay)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, status, body):
        self.answers.append((status, body))

    def sent(self):
        """The form of every request so far, as {field: value}."""
        with self.lock:
            return [{k: v[0] for k, v in r["form"].items()} for r in self.requests]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
