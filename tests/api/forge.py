"""forge.py - builds JWTs by hand (HS256 with hmac, RS256/ES256 with python3-cryptography), so
the API suite can present tokens the server must accept and every kind it must refuse."""
import base64
import hashlib
import hmac
import json
import time
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims(sub, tid, role="admin", **over):
    now = int(time.time())
    c = {"iss": "crm", "aud": "crm-api", "sub": sub, "tid": tid, "role": role, "iat": now,
         "nbf": now, "exp": now + 600, "jti": str(uuid.uuid4())}
    for k, v in over.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def header(alg, kid, **over):
    h = {"alg": alg, "kid": kid, "typ": "at+jwt"}
    for k, v in over.items():
        if v is None:
            h.pop(k, None)
        else:
            h[k] = v
    return h


def sign(head, payload, alg, key):
    """key: bytes secret (HS256) or a PEM private key path (RS256, ES256); alg 'none' signs nothing."""
    signing_input = (b64url(json.dumps(head).encode()) + "." +
                     b64url(json.dumps(payload).encode())).encode()
    if alg == "none":
        return signing_input.decode() + "."
    if alg == "HS256":
        sig = hmac.new(key, signing_input, hashlib.sha256).digest()
    else:
        with open(key, "rb") as f:
            pk = serialization.load_pem_private_key(f.read(), password=None)
        if alg == "RS256":
            sig = pk.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        else:
            r, s = decode_dss_signature(pk.sign(signing_input, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return signing_input.decode() + "." + b64url(sig)


def secret_of(entry):
    """The raw secret of an HS256 key-set entry."""
    return b64url_decode(entry["secret"])
