"""A webhook gateway issues and checks encrypted session tokens with ``cryptography``'s
Fernet (one key, created at startup), signs webhook payloads with HMAC-SHA256 and
fingerprints uploads with SHA-256. Every context object is per call: correct code."""

import base64
import json

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, hmac

LIBRARIES = ("cryptography",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def setup():
    digest = hashes.Hash(hashes.SHA256())
    digest.update(b"test-only key material")
    key = base64.urlsafe_b64encode(digest.finalize())  # a fixed test key, not a real secret
    return {"fernet": Fernet(key), "hmac_key": b"test-webhook-key", "i": 0}


def _handle(state, i):
    session = json.dumps({"uid": i % 5000, "roles": ["user"], "n": i}).encode()
    token = state["fernet"].encrypt_at_time(session, current_time=1_700_000_000 + i)
    claims = json.loads(
        state["fernet"].decrypt_at_time(token, ttl=3600, current_time=1_700_000_000 + i)
    )
    payload = b'{"event":"paid","order":%d}' % i
    mac = hmac.HMAC(state["hmac_key"], hashes.SHA256())
    mac.update(payload)
    signature = mac.finalize()
    digest = hashes.Hash(hashes.SHA256())
    digest.update(payload * 64)
    return claims["uid"], signature.hex()[:16], digest.finalize().hex()[:16]


def step(state):
    state["i"] += 1
    # one webhook delivery carries a handful of events
    return [_handle(state, 8 * state["i"] + k) for k in range(8)]
