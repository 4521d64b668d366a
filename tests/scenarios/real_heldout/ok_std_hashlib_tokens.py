"""An API gateway verifies signed tokens: it base64-decodes each token, recomputes an
HMAC-SHA256 with hmac.compare_digest, and derives per-tenant signing keys with
hashlib.pbkdf2_hmac memoised by functools.lru_cache(maxsize=256); about 400 tenants are
seen, so the cache fills over the first few hundred requests and then stays bounded."""

import base64
import functools
import hashlib
import hmac
import json
import random

LIBRARIES = ("hashlib", "hmac", "base64", "functools")
EXPECT = "plateau|flat"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.51/+0.00/+0.00/+0.00, C heap +9.2/+0.0/+0.0/+0.0 B, RSS +33/+0/+0/+0 B"
)

_MASTER = b"gateway-master-secret"


@functools.lru_cache(maxsize=256)
def tenant_key(tenant):
    return hashlib.pbkdf2_hmac("sha256", _MASTER, tenant.encode(), 20)


def sign(tenant, claims):
    body = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=")
    mac = hmac.new(tenant_key(tenant), body, hashlib.sha256).digest()
    return body + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")


def verify(tenant, token):
    body, _, mac = token.partition(b".")
    expected = hmac.new(tenant_key(tenant), body, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, base64.urlsafe_b64decode(mac + b"=" * (-len(mac) % 4))):
        return None
    return json.loads(base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4)))


def setup():
    tenant_key.cache_clear()
    return {"rng": random.Random(13), "n": 0}


def step(state):
    rng = state["rng"]
    n = state["n"]
    state["n"] = n + 1
    tenant = f"tenant-{rng.randrange(400)}"
    token = sign(
        tenant,
        {
            "sub": f"user{n % 977}",
            "iat": 1_700_000_000 + n,
            "scope": ["read", "write"][: 1 + n % 2],
        },
    )
    claims = verify(tenant, token)
    digest = hashlib.sha1(token).hexdigest()
    return claims["sub"], digest[:8]


def teardown():
    tenant_key.cache_clear()
