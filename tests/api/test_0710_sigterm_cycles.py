"""SIGTERM under load, 20 times: no request the server accepted fails.

A request the server accepted is one its access log names (a line with the request's
X-Request-Id: libmicrohttpd read its head and handed it to the server). It fails when it is
answered other than 2xx or cut off (the connection closes before the whole response arrived).
A request the server never accepted (a refused connection, or a kept-alive connection closed
unanswered once the server stopped admitting requests: RFC 9112 section 9.6 lets a server
close an idle connection at any time) must have left no trace: no access log line and no
row. So every request ends in one of two ways: answered 2xx, or provably never processed,
which a client may safely send again.
"""
import http.client
import json
import threading
import time
import uuid

import pytest

from crmtest import Tenant

CYCLES = 20
BUSY = 8  # keep-alive connections sending request after request, some pausing between them
IDLE = 16  # kept-alive connections that send one request each as the signal comes
LOAD_S = 0.3  # load before the signal


@pytest.fixture(scope="module")
def clinic(server):
    return Tenant(server, "sigterm-cycles")


class Client(threading.Thread):
    """One keep-alive connection. Odd requests create a contact, even ones hold a database
    transaction for 20-80 ms, so that requests are in flight when the signal comes."""

    def __init__(self, port, token, tag):
        super().__init__(daemon=True)
        self.port, self.token, self.tag = port, token, tag
        self.outcomes = []  # (request id, email of a creation or None, status, error)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)

    def send(self, n):
        rid = f"{self.tag}-{n}"
        headers = {"X-Request-Id": rid, "Authorization": f"Bearer {self.token}"}
        email = f"{rid}@sigterm.test" if n % 2 else None
        try:
            if email:
                headers["Content-Type"] = "application/json"
                body = json.dumps({"type": "lead", "first_name": "Sig", "last_name": "Term",
                                   "email": email})
                self.conn.request("POST", "/api/v1/contacts", body=body, headers=headers)
            else:
                self.conn.request("GET", f"/testkit/sleep?ms={20 + 10 * (n % 7)}",
                                  headers=headers)
            resp = self.conn.getresponse()
            resp.read()  # raises on a response cut short
            self.outcomes.append((rid, email, resp.status, None))
        except ConnectionRefusedError:
            return False  # the listener is closed: nothing more can be sent
        except (OSError, http.client.HTTPException) as e:
            self.outcomes.append((rid, email, None, repr(e)))
            self.conn.close()
        return True


class Busy(Client):
    def __init__(self, port, token, tag, pause):
        super().__init__(port, token, tag)
        self.pause = pause
        self.halt = threading.Event()

    def run(self):
        n = 0
        while not self.halt.is_set() and self.send(n):
            time.sleep(self.pause * (n % 3))  # now and then idle between requests
            n += 1


class Idle(Client):
    """Kept alive after a first request, then one more request just after the signal: the
    moment a server that stops without closing its door cuts requests off."""

    def __init__(self, port, token, tag, go, delay, n):
        super().__init__(port, token, tag)
        self.go, self.delay, self.n = go, delay, n
        self.conn.request("GET", "/healthz")
        assert self.conn.getresponse().read()

    def run(self):
        self.go.wait()
        time.sleep(self.delay)
        self.send(self.n)


def test_twenty_sigterms_under_load_fail_no_request(pg, make_server, clinic):
    token = clinic.tokens["receptionist"]
    totals = {"answered": 0, "never_accepted": 0, "in_flight_at_signal": 0}
    for cycle in range(CYCLES):
        s = make_server(pg)
        tag = uuid.uuid4().hex[:8]
        busy = [Busy(s.port, token, f"{tag}-b{i}", 0.01 * i) for i in range(BUSY)]
        go = threading.Event()
        idle = [Idle(s.port, token, f"{tag}-i{i}", go, 0.0002 * i, 1 + i % 2)
                for i in range(IDLE)]  # creations and transactions alike, 0.2 ms apart
        for c in busy + idle:
            c.start()
        time.sleep(LOAD_S)
        if cycle % 2:  # nothing in flight: the server stops at once, as the idle ones send
            for c in busy:
                c.halt.set()
            for c in busy:
                c.join(30)
        s.signal()
        go.set()
        for c in busy + idle:
            c.join(30)
            assert not c.is_alive(), "a client still sends after the server stopped"
        log = s.stop()
        accepted = {json.loads(line)["request_id"]: json.loads(line)["status"]
                    for line in log.splitlines() if '"type":"access"' in line}
        outcomes = [o for c in busy + idle for o in c.outcomes]
        failed = [o for o in outcomes if o[2] is not None and not 200 <= o[2] < 300]
        failed += [o + (accepted[o[0]],) for o in outcomes if o[2] is None and o[0] in accepted]
        assert not failed, f"cycle {cycle}: accepted requests failed: {failed}"
        unanswered = [o for o in outcomes if o[2] is None]
        emails = [o[1] for o in unanswered if o[1]]
        if emails:
            written = pg.sql("SELECT email FROM contacts WHERE email IN ("
                             + ",".join(f"'{e}'" for e in emails) + ")")
            assert not written, f"cycle {cycle}: unanswered creations were written: {written}"
        created = [o[1] for o in outcomes if o[2] == 201]
        assert created, f"cycle {cycle}: no contact was created"
        stored = pg.sql("SELECT count(*) FROM contacts WHERE email IN ("
                        + ",".join(f"'{e}'" for e in created) + ")")[0][0]
        assert int(stored) == len(created), f"cycle {cycle}: acknowledged creations lost"
        totals["answered"] += len(outcomes) - len(unanswered)
        totals["never_accepted"] += len(unanswered)
        drained = [line for line in log.splitlines() if "draining:" in line]
        assert len(drained) == 1, log
        totals["in_flight_at_signal"] += int(drained[0].split("draining: ")[1].split()[0])
    print(totals)
    # the drain was exercised: requests were in flight when the signals came
    assert totals["in_flight_at_signal"] >= CYCLES // 2, totals
    assert totals["answered"] >= CYCLES * (BUSY + IDLE), totals
