"""The staff web app served by `crm serve` from CRM_WEB_DIR: index.html at / and for every page
path the API does not own (no-cache), hashed assets under /assets/ (immutable), other top-level
files (no-cache), the app's Content-Security-Policy on every answer, validators and 304, and
nothing outside the folder, no dotfile and no symbolic link ever served."""
import http.client
import os

import pytest

from crmtest import Server, assert_problem

CSP = "default-src 'self'; frame-ancestors 'none'"
IMMUTABLE = "public, max-age=31536000, immutable"
INDEX = (b"<!doctype html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>CRM</title>"
         b"<script type=\"module\" src=\"/assets/app-abc123.js\"></script></head>"
         b"<body><div id=\"root\"></div></body></html>\n")
SECRET = b"TOP-SECRET-OUTSIDE-THE-APP"
ASSETS = {  # name: (bytes, Content-Type)
    "app-abc123.js": (b"console.log('app');\n", "text/javascript; charset=utf-8"),
    "app-abc123.js.map": (b'{"version":3}', "application/json"),
    "app-d4e5f6.css": (b"body{margin:0}\n", "text/css; charset=utf-8"),
    "logo-1a2b3c.svg": (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    "photo-77aa.png": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "image/png"),
    "inter-9f8e.woff2": (b"wOF2" + bytes(64), "font/woff2"),
    "inter-9f8e.woff": (b"wOFF" + bytes(64), "font/woff"),
    "icon-01.ico": (bytes(32), "image/x-icon"),
    "strings-5c.json": (b'{"hello":"Hello"}', "application/json"),
    "licences-3d.txt": (b"MIT\n", "text/plain; charset=utf-8"),
}
TOP = {
    "favicon.svg": (b"<svg xmlns='http://www.w3.org/2000/svg'><circle r='1'/></svg>",
                    "image/svg+xml"),
    "robots.txt": (b"User-agent: *\nDisallow: /\n", "text/plain; charset=utf-8"),
    "manifest.webmanifest": (b'{"name":"CRM"}', "application/manifest+json"),
}


def build_app(root):
    """A built app as Vite leaves it, plus everything that must never be served."""
    dist = os.path.join(root, "dist")
    os.makedirs(os.path.join(dist, "assets", "nested"))
    with open(os.path.join(root, "secret.txt"), "wb") as f:
        f.write(SECRET)
    files = {"index.html": INDEX, ".env": SECRET, "assets/.hidden.js": SECRET,
             "assets/nested/deep.js": SECRET, "assets/noext": SECRET,
             "assets/tool.exe": SECRET, "assets/" + "a" * 125 + ".js": b"ok",
             "assets/" + "b" * 126 + ".js": SECRET}
    files.update({f"assets/{n}": b for n, (b, _) in ASSETS.items()})
    files.update({n: b for n, (b, _) in TOP.items()})
    for name, data in files.items():
        with open(os.path.join(dist, name), "wb") as f:
            f.write(data)
    os.symlink(os.path.join(root, "secret.txt"), os.path.join(dist, "assets", "link-1.js"))
    os.symlink(os.path.join(root, "secret.txt"), os.path.join(dist, "linked.txt"))
    os.symlink(os.path.join(dist, "assets"), os.path.join(dist, "assets2"))
    os.mkfifo(os.path.join(dist, "assets", "pipe-2.js"))
    return dist


@pytest.fixture(scope="module")
def web(pg, tmp_path_factory):
    dist = build_app(str(tmp_path_factory.mktemp("web")))
    s = Server(pg, env={"CRM_WEB_DIR": dist})
    s.dist = dist
    yield s
    s.stop()


def raw(s, method, path, headers=None):
    """One request with the path exactly as written (no client-side normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    conn.request(method, path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def assert_index(r):
    assert r.status_code == 200, (r.url, r.status_code, r.text[:200])
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Cache-Control"] == "no-cache"
    assert r.headers["Content-Security-Policy"] == CSP
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.content == INDEX


def test_index_is_served_at_the_root_with_no_cache(web):
    r = web.get("/")
    assert_index(r)
    assert r.headers["ETag"].startswith('"') and r.headers["Last-Modified"].endswith(" GMT")
    assert int(r.headers["Content-Length"]) == len(INDEX)
    assert_index(web.get("/index.html"))
    assert_index(web.get("/", params={"next": "/diary", "tenant_id": "ignored"}))


def test_client_side_routes_load_the_app(web):
    for path in ["/diary", "/diary/", "/contacts/x/y", "/contacts/123", "/my-day",
                 "/contacts/5f0c1b2a-0000-4000-8000-000000000001/timeline",
                 "/diary?date=2026-03-29&view=week", "/settings/caf%C3%A9", "/a-b_c~d"]:
        assert_index(web.get(path))


def test_assets_are_immutable_with_their_types(web):
    for name, (data, ctype) in ASSETS.items():
        r = web.get(f"/assets/{name}")
        assert r.status_code == 200, (name, r.text[:200])
        assert r.headers["Content-Type"] == ctype, name
        assert r.headers["Cache-Control"] == IMMUTABLE, name
        assert r.headers["Content-Security-Policy"] == CSP, name
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.content == data, name
    r = web.get("/assets/" + "a" * 125 + ".js")  # 128 bytes; 129 is one too long
    assert r.status_code == 200 and r.content == b"ok"
    assert web.get("/assets/app-abc123.js", params={"v": "2"}).status_code == 200


def test_other_top_level_files_are_served_with_no_cache(web):
    for name, (data, ctype) in TOP.items():
        r = web.get(f"/{name}")
        assert r.status_code == 200, name
        assert r.headers["Content-Type"] == ctype and r.content == data, name
        assert r.headers["Cache-Control"] == "no-cache", name
        assert r.headers["Content-Security-Policy"] == CSP, name


def test_missing_files_are_404_not_the_app(web):
    for path in ["/assets/app-000000.js", "/assets/noext", "/assets/tool.exe", "/missing.png",
                 "/favicon.ico", "/sw.js", "/assets/" + "b" * 126 + ".js"]:
        r = web.get(path)
        assert_problem(r, 404)
        assert r.headers["Content-Security-Policy"] == CSP, path


def test_the_servers_own_paths_keep_their_404(web):
    for path in ["/api", "/api/v1/nope", "/api/nope/deeper", "/platform/x", "/platform",
                 "/fhir/x", "/fhir/R4/Nope/1/2", "/docs/nope", "/docs/a/b", "/webhooks/x",
                 "/healthz/x", "/readyz/", "/metrics/x", "/openapi.json/x", "/assets",
                 "/assets/", "/assets/a/b.js"]:
        r = web.get(path)
        assert_problem(r, 404)
        assert INDEX not in r.content, path
    assert web.get("/healthz").json() == {"status": "ok"}
    assert web.get("/openapi.json").status_code == 200
    assert web.get("/docs").headers["Content-Type"] == "text/html; charset=utf-8"


def test_only_get_and_head_load_the_app(web):
    assert_problem(web.request("POST", "/diary", json={}), 404)
    assert_problem(web.request("DELETE", "/contacts/1"), 404)
    r = web.request("POST", "/", json={})
    assert_problem(r, 405)
    assert r.headers["Allow"] == "GET, HEAD"


def test_no_path_leads_out_of_the_folder_or_to_hidden_files(web):
    paths = ["/assets/../../etc/passwd", "/assets/../index.html", "/../secret.txt",
             "/assets/%2e%2e/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt",
             "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt",
             "/assets/%2e%2e%2fsecret.txt", "/assets/..", "/assets/.", "/assets/%2e%2e",
             "/.env", "/%2eenv", "/contacts/.git", "/diary/../../secret.txt",
             "/assets/.hidden.js", "/assets/nested/deep.js", "/assets/nested%2fdeep.js",
             "/assets/link-1.js", "/linked.txt", "/assets/pipe-2.js", "//etc/passwd", "/diary//x",
             "/assets/%00", "/assets/app%5cabc.js",
             "/assets/..%5c..%5csecret.txt", "/" + "x" * 1100]
    for path in paths:
        status, headers, body = raw(web, "GET", path)
        assert status in (400, 404), (path, status, body[:200])
        assert headers["content-type"] == "application/problem+json", path
        assert SECRET not in body and b"root:" not in body and INDEX not in body, path
    # a folder linked beside assets/ is no folder of the app: such paths are pages of the app
    for path in ["/assets2/app-abc123.js", "/assets2/link-1.js"]:
        assert_index(web.get(path))
    # the server is still well
    assert_index(web.get("/"))


def test_head_answers_the_headers_without_a_body(web):
    for path, ctype, length in [("/", "text/html; charset=utf-8", len(INDEX)),
                                ("/diary", "text/html; charset=utf-8", len(INDEX)),
                                ("/assets/app-abc123.js", ASSETS["app-abc123.js"][1],
                                 len(ASSETS["app-abc123.js"][0]))]:
        status, headers, body = raw(web, "HEAD", path)
        assert status == 200 and body == b"", path
        assert headers["content-type"] == ctype
        assert int(headers["content-length"]) == length
        assert headers["content-security-policy"] == CSP
        assert "etag" in headers


def test_validators_answer_304_and_change_with_the_file(web):
    for path in ["/", "/diary", "/assets/app-d4e5f6.css", "/favicon.svg"]:
        first = web.get(path)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        r = web.get(path, headers={"If-None-Match": etag})
        assert r.status_code == 304 and r.content == b"", path
        assert r.headers["ETag"] == etag
        assert r.headers["Cache-Control"] == first.headers["Cache-Control"]
        assert r.headers["Content-Security-Policy"] == CSP
        assert web.get(path, headers={"If-None-Match": f'W/"x", {etag}'}).status_code == 304
        assert web.get(path, headers={"If-Modified-Since": modified}).status_code == 304
        assert web.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3)
        assert web.get(path, headers={"If-None-Match": '"other"',
                                      "If-Modified-Since": modified}).status_code == 200
        assert web.get(path, headers={"If-Modified-Since":
                                      "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
    # a new build of the page: a new ETag, the old one no longer 304
    old = web.get("/").headers["ETag"]
    with open(os.path.join(web.dist, "index.html"), "ab") as f:
        f.write(b"<!-- rebuilt -->\n")
    try:
        r = web.get("/", headers={"If-None-Match": old})
        assert r.status_code == 200 and r.headers["ETag"] != old
        assert r.content.endswith(b"<!-- rebuilt -->\n")
    finally:
        with open(os.path.join(web.dist, "index.html"), "wb") as f:
            f.write(INDEX)


def test_an_unbuilt_app_answers_503_and_the_server_still_serves(pg, make_server, tmp_path):
    for folder in [str(tmp_path), str(tmp_path / "missing")]:
        s = make_server(pg, env={"CRM_WEB_DIR": folder})
        for path in ["/", "/diary", "/contacts/1/2"]:
            r = s.get(path)
            assert_problem(r, 503, "make build")
            assert r.headers["Content-Security-Policy"] == CSP
            assert folder not in r.text  # no server path in the answer
        assert_problem(s.get("/assets/app-abc123.js"), 404)
        assert s.get("/healthz").status_code == 200
        assert s.get("/readyz").status_code == 200
        log = s.stop()
        assert f"no index.html in {folder}" in log
