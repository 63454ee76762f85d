"""Connection handling: keep-alive across error answers, read timeout, connection limit."""
import socket
import time


def exchange(sock, request):
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int([l.split(b":")[1] for l in head.split(b"\r\n")
                  if l.lower().startswith(b"content-length")][0])
    while len(rest) < length:
        rest += sock.recv(65536)
    return head


def test_error_answers_keep_the_connection_alive(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        for req in [b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"POST /testkit/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                    b"Content-Length: 3\r\n\r\nabc",
                    b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"]:
            head = exchange(s, req)
            assert b"connection: close" not in head.lower(), head
        assert head.startswith(b"HTTP/1.1 200")


def test_silent_client_is_disconnected_after_the_read_timeout(pg, make_server):
    s = make_server(pg, env={"CRM_READ_TIMEOUT_S": "1"})
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # the head never ends
        started = time.monotonic()
        assert sock.recv(4096) == b""
        assert time.monotonic() - started < 5
    assert s.get("/healthz").status_code == 200
    s.stop()


def test_connections_beyond_the_limit_are_not_served(pg, make_server):
    s = make_server(pg, env={"CRM_MAX_CONNECTIONS": "2", "CRM_THREADS": "1"})
    held = [socket.create_connection(("127.0.0.1", s.port), timeout=5) for _ in range(2)]
    time.sleep(0.2)
    extra = socket.create_connection(("127.0.0.1", s.port), timeout=1)
    answer = b""
    try:
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = extra.recv(4096)  # closed, reset, or left waiting: never served
    except (ConnectionResetError, socket.timeout):
        pass
    assert not answer.startswith(b"HTTP/1.1 200"), answer
    extra.close()
    for sock in held:
        sock.close()
    time.sleep(0.3)
    assert s.get("/healthz").status_code == 200  # served again once below the limit
    s.stop()
