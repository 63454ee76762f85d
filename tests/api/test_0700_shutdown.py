"""Graceful shutdown: SIGTERM drains in-flight requests, /readyz turns 503, exit status 0."""
import socket
import threading
import time

import requests

from crmtest import assert_problem


def open_partial_upload(port):
    """A request whose head has arrived and whose body is still on its way: in flight."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"POST /testkit/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 14\r\n\r\n{\"half\":")
    return s


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_sigterm_lets_in_flight_requests_finish(pg, make_server):
    s = make_server(pg)
    keep = requests.Session()
    assert keep.get(s.url("/healthz")).status_code == 200  # a kept-alive connection
    upload = open_partial_upload(s.port)
    time.sleep(0.3)

    s.signal()
    time.sleep(0.3)
    assert s.proc.poll() is None, "the server waits for the in-flight request"
    r = keep.get(s.url("/readyz"), timeout=5)
    assert_problem(r, 503, "shutting down")
    assert r.headers.get("Connection") == "close"
    try:
        requests.get(s.url("/healthz"), timeout=2)
        raise AssertionError("a new connection was accepted while draining")
    except requests.ConnectionError:
        pass

    upload.sendall(b"\"yes\"}")
    response = read_response(upload)
    upload.close()
    assert response.startswith(b"HTTP/1.1 200"), response[:200]
    assert b'{"received":{"half":"yes"}}' in response
    log = s.stop(timeout=15)
    assert "received SIGTERM" in log and '"msg":"stopped"' in log


def test_sigterm_waits_for_a_running_handler(pg, make_server):
    s = make_server(pg, env={"CRM_THREADS": "2"})
    result = {}

    def slow():
        result["r"] = requests.get(s.url("/testkit/sleep"), params={"ms": "1500"}, timeout=15)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.5)
    s.signal()
    t.join(15)
    assert result["r"].status_code == 200, result["r"].text
    assert result["r"].json() == {"slept_ms": 1500}
    s.stop(timeout=15)


def test_shutdown_deadline_cuts_stalled_requests(pg, make_server):
    s = make_server(pg, env={"CRM_SHUTDOWN_TIMEOUT_S": "1"})
    upload = open_partial_upload(s.port)
    time.sleep(0.2)
    started = time.monotonic()
    s.signal()
    log = s.stop(timeout=15)
    assert time.monotonic() - started < 5
    assert "deadline reached" in log
    upload.close()


def test_sigint_also_shuts_down_cleanly(pg, make_server):
    import signal
    s = make_server(pg)
    s.signal(signal.SIGINT)
    log = s.stop()
    assert "received SIGINT" in log
