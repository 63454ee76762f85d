"""Access tokens: what the server accepts (HS256, RS256, ES256 from its key set) and every
forgery it must refuse with 401 invalid_token."""
import json
import time

import pytest

from crmtest import PASSWORD, Server, assert_problem, default_key_set, key_set, login, new_key
from forge import b64url, claims, header, secret_of, sign


@pytest.fixture(scope="module")
def keyed(pg):
    """A server whose key set signs with HS256 and also accepts RS256 and ES256 keys."""
    hs, rs, es = new_key("HS256", "hs-1"), new_key("RS256", "rs-1"), new_key("ES256", "es-1")
    s = Server(pg, env={"CRM_JWT_KEYS": key_set(hs, rs, es)})
    yield s, hs, rs, es
    s.stop()


@pytest.fixture(scope="module")
def who(keyed, tenants):
    a, _ = tenants
    return a.users["admin"], a.id


def me(server, token):
    return server.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_tokens_of_every_listed_key_are_accepted(keyed, who):
    s, hs, rs, es = keyed
    sub, tid = who
    for alg, kid, key in [("HS256", "hs-1", secret_of(hs)),
                          ("RS256", "rs-1", rs["private_key_file"]),
                          ("ES256", "es-1", es["private_key_file"])]:
        r = me(s, sign(header(alg, kid), claims(sub, tid), alg, key))
        assert r.status_code == 200, (alg, r.text)
        assert r.json()["id"] == sub


def test_issued_tokens_have_the_pinned_header_and_claims(server, tenants):
    a, _ = tenants
    token = a.tokens["receptionist"]
    head = json.loads(__import__("forge").b64url_decode(token.split(".")[0]))
    body = json.loads(__import__("forge").b64url_decode(token.split(".")[1]))
    assert head == {"alg": "HS256", "kid": "suite-1", "typ": "at+jwt"}
    assert body["iss"] == "crm" and body["aud"] == "crm-api" and body["role"] == "receptionist"
    assert body["sub"] == a.users["receptionist"] and body["tid"] == a.id
    assert body["exp"] - body["iat"] == 900 and body["nbf"] == body["iat"] and body["jti"]


def forgeries(hs, rs, sub, tid):
    secret = secret_of(hs)
    now = int(time.time())
    with open(rs["public_key_file"], "rb") as f:
        rsa_public_pem = f.read()
    good = claims(sub, tid)
    yield "alg none", sign(header("none", "hs-1"), good, "none", None)
    yield "alg None", sign(header("None", "hs-1"), good, "none", None)
    yield "alg NONE with signature", sign(header("NONE", "hs-1"), good, "HS256", secret)
    yield "alg lower case", sign(header("hs256", "hs-1"), good, "HS256", secret)
    yield "HS256 with the RSA public key", sign(header("HS256", "rs-1"), good, "HS256",
                                                rsa_public_pem)
    yield "RS256 header on an HS256 key", sign(header("RS256", "hs-1"), good, "HS256", secret)
    yield "unknown kid", sign(header("HS256", "nope"), good, "HS256", secret)
    yield "malformed kid", sign(header("HS256", "../../etc/passwd"), good, "HS256", secret)
    yield "kid missing", sign(header("HS256", None), good, "HS256", secret)
    yield "jku header", sign(header("HS256", "hs-1", jku="http://127.0.0.1/k"), good, "HS256",
                             secret)
    yield "x5u header", sign(header("HS256", "hs-1", x5u="http://127.0.0.1/c"), good, "HS256",
                             secret)
    yield "jwk header", sign(header("HS256", "hs-1", jwk={"kty": "oct", "k": "AA"}), good,
                             "HS256", secret)
    yield "typ JWT", sign(header("HS256", "hs-1", typ="JWT"), good, "HS256", secret)
    yield "typ missing", sign(header("HS256", "hs-1", typ=None), good, "HS256", secret)
    yield "iss missing", sign(header("HS256", "hs-1"), claims(sub, tid, iss=None), "HS256", secret)
    yield "wrong iss", sign(header("HS256", "hs-1"), claims(sub, tid, iss="evil"), "HS256", secret)
    yield "aud missing", sign(header("HS256", "hs-1"), claims(sub, tid, aud=None), "HS256", secret)
    yield "wrong aud", sign(header("HS256", "hs-1"), claims(sub, tid, aud="other"), "HS256", secret)
    yield "aud array", sign(header("HS256", "hs-1"), claims(sub, tid, aud=["crm-api"]), "HS256",
                            secret)
    yield "exp missing", sign(header("HS256", "hs-1"), claims(sub, tid, exp=None), "HS256", secret)
    yield "expired beyond leeway", sign(header("HS256", "hs-1"),
                                        claims(sub, tid, iat=now - 1000, nbf=now - 1000,
                                               exp=now - 61), "HS256", secret)
    yield "not yet valid", sign(header("HS256", "hs-1"), claims(sub, tid, nbf=now + 120),
                                "HS256", secret)
    yield "unknown role", sign(header("HS256", "hs-1"), claims(sub, tid, role="root"), "HS256",
                               secret)
    yield "tid not a uuid", sign(header("HS256", "hs-1"), claims(sub, "alpha"), "HS256", secret)
    yield "bad signature", sign(header("HS256", "hs-1"), good, "HS256", b"x" * 32)
    valid = sign(header("HS256", "hs-1"), good, "HS256", secret)
    h, p, s = valid.split(".")
    yield "changed claims", h + "." + b64url(json.dumps(claims(sub, tid, role="admin",
                                                                jti="other")).encode()) + "." + s
    yield "signature stripped", h + "." + p + "."
    yield "two parts", h + "." + p
    yield "garbage", "not-a-token"
    big = claims(sub, tid)
    big["pad"] = "x" * 9000
    yield "over 8 KiB", sign(header("HS256", "hs-1"), big, "HS256", secret)


def test_forged_tokens_are_refused(keyed, who):
    s, hs, rs, _ = keyed
    sub, tid = who
    for name, token in forgeries(hs, rs, sub, tid):
        r = me(s, token)
        body = assert_problem(r, 401)
        assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"', name
        assert body["detail"], name


def test_expired_within_leeway_is_still_accepted(keyed, who):
    s, hs, _, _ = keyed
    sub, tid = who
    now = int(time.time())
    token = sign(header("HS256", "hs-1"),
                 claims(sub, tid, iat=now - 900, nbf=now - 900, exp=now - 30), "HS256",
                 secret_of(hs))
    assert me(s, token).status_code == 200


def test_a_server_signing_with_es256_issues_verifiable_tokens(pg, make_server, tenants):
    es = new_key("ES256", "es-sign")
    s = make_server(pg, env={"CRM_JWT_KEYS": key_set(es, json.load(open(default_key_set()))["keys"][0])})
    r = login(s, "alpha", "admin@alpha.test", PASSWORD)
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    assert json.loads(__import__("forge").b64url_decode(token.split(".")[0]))["alg"] == "ES256"
    assert me(s, token).status_code == 200
    # a token of the older key in the set still works (key rotation)
    assert me(s, tenants[0].tokens["admin"]).status_code == 200
    s.stop()


def test_a_server_signing_with_rs256_issues_verifiable_tokens(pg, make_server, tenants):
    rs = new_key("RS256", "rs-sign")
    s = make_server(pg, env={"CRM_JWT_KEYS": key_set(rs, json.load(open(default_key_set()))["keys"][0])})
    for _ in range(3):  # each login signs anew
        r = login(s, "alpha", "admin@alpha.test", PASSWORD)
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
        head = json.loads(__import__("forge").b64url_decode(token.split(".")[0]))
        assert head == {"alg": "RS256", "kid": "rs-sign", "typ": "at+jwt"}
        assert len(__import__("forge").b64url_decode(token.split(".")[2])) == 256  # 2048 bits
        assert me(s, token).status_code == 200
    s.stop()


def test_rsa_keys_over_4096_bits_refuse_to_start(pg, tmp_path):
    from crmtest import crm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    # The check reads the modulus' size only, and generating a real 8192-bit pair takes
    # 5 to 25 s here: an odd 8192-bit modulus makes a well-formed public key.
    big = rsa.RSAPublicNumbers(65537, (1 << 8191) + 1).public_key()
    pem = tmp_path / "rsa-8192.pub.pem"
    pem.write_bytes(big.public_bytes(serialization.Encoding.PEM,
                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    assert big.key_size == 8192
    keys = key_set(json.load(open(default_key_set()))["keys"][0],
                   {"kid": "rs-8192", "alg": "RS256", "public_key_file": str(pem)})
    out = crm("serve", env={"CRM_DATABASE_URL": pg.url(), "CRM_JWT_KEYS": keys,
                            "CRM_LISTEN": "127.0.0.1:0"}, timeout=20)
    assert out.returncode == 2, out.stderr
    assert "CRM_JWT_KEYS" in out.stderr and "rs-8192" in out.stderr
    assert "over 4096 bits" in out.stderr and "8192" in out.stderr


def test_bad_key_sets_refuse_to_start(pg):
    from crmtest import crm
    bad = key_set({"kid": "k", "alg": "HS256", "secret": "c2hvcnQ"})
    out = crm("serve", env={"CRM_DATABASE_URL": pg.url(), "CRM_JWT_KEYS": bad,
                            "CRM_LISTEN": "127.0.0.1:0"})
    assert out.returncode == 2 and "at least 32 bytes" in out.stderr
    none = key_set({"kid": "k", "alg": "none"})
    out = crm("serve", env={"CRM_DATABASE_URL": pg.url(), "CRM_JWT_KEYS": none,
                            "CRM_LISTEN": "127.0.0.1:0"})
    assert out.returncode == 2 and "HS256, RS256 or ES256" in out.stderr
