"""Request bodies: size limit, media type, UTF-8 and JSON syntax."""
import socket

from crmtest import assert_problem

JSON = {"Content-Type": "application/json"}


def test_json_body_round_trips(server):
    r = server.request("POST", "/testkit/echo", json={"name": "Zoë", "n": [1, 2]})
    assert r.status_code == 200, r.text
    assert r.json() == {"received": {"name": "Zoë", "n": [1, 2]}}


def test_charset_utf8_is_accepted(server):
    r = server.request("POST", "/testkit/echo", data=b'{"a":1}',
                       headers={"Content-Type": "application/json; charset=UTF-8"})
    assert r.status_code == 200, r.text


def test_other_media_types_are_415(server):
    for ct in ["text/plain", "application/x-www-form-urlencoded", "application/jsonx",
               "application/json; charset=latin1"]:
        r = server.request("POST", "/testkit/echo", data=b'{"a":1}', headers={"Content-Type": ct})
        assert_problem(r, 415, "application/json")
    r = server.request("POST", "/testkit/echo", data=b'{"a":1}')
    assert_problem(r, 415)


def test_malformed_json_is_400_naming_the_position(server):
    r = server.request("POST", "/testkit/echo", data=b'{"a": 1,\n "b": }', headers=JSON)
    body = assert_problem(r, 400, "line 2")
    assert body["line"] == 2
    assert body["position"] > 8
    assert "column" in body


def test_the_400_of_malformed_json_is_itself_valid_json(server):
    # jansson quotes the input near the fault and cut "\u040f" (d0 8f) after its first byte;
    # the problem body then carried a lone 0xd0 and was no JSON a client could read
    r = server.request("POST", "/testkit/echo", data='[1,2,{"x":"e\\\u040f09'.encode(),
                       headers=JSON)
    assert r.status_code == 400
    r.content.decode("utf-8")  # strict: raises on any invalid byte
    body = assert_problem(r, 400, "invalid escape")
    assert body["position"] == 14


def test_invalid_utf8_is_400_naming_the_byte(server):
    r = server.request("POST", "/testkit/echo", data=b'{"a": "\xff"}', headers=JSON)
    body = assert_problem(r, 400, "UTF-8")
    assert body["position"] == 7


def test_duplicate_keys_and_empty_body_are_400(server):
    assert_problem(server.request("POST", "/testkit/echo", data=b'{"a":1,"a":2}', headers=JSON), 400)
    assert_problem(server.request("POST", "/testkit/echo", data=b"", headers=JSON), 400, "required")


def test_oversized_body_with_content_length_is_413(server):
    big = b'{"a":"' + b"x" * (1024 * 1024) + b'"}'
    r = server.request("POST", "/testkit/echo", data=big, headers=JSON)
    assert_problem(r, 413, "larger than 1048576 bytes")


def test_oversized_chunked_body_is_413(server):
    def chunks():
        yield b'{"a":"'
        for _ in range(70):
            yield b"y" * 16384
        yield b'"}'

    r = server.request("POST", "/testkit/echo", data=chunks(), headers=JSON)
    assert_problem(r, 413)


def test_body_just_under_the_limit_is_accepted(server):
    body = b'{"a":"' + b"z" * (1024 * 1024 - 8) + b'"}'
    assert len(body) == 1024 * 1024
    r = server.request("POST", "/testkit/echo", data=body, headers=JSON)
    assert r.status_code == 200


def test_server_survives_a_raw_garbage_request(server):
    for garbage in [b"\x00\x01garbage\r\n\r\n", b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
                    b"POST /testkit/echo HTTP/1.1\r\nContent-Length: -5\r\n\r\n"]:
        with socket.create_connection(("127.0.0.1", server.port), timeout=1) as s:
            s.sendall(garbage)
            try:
                s.recv(4096)
            except socket.timeout:
                pass
    assert server.get("/healthz").status_code == 200
