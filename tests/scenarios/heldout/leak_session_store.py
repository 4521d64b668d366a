"""An unbounded session store keyed by random tokens: sessions are created, never expired."""

import random

EXPECT = "leak"
HOLDER = ".sessions"  # what keeps the leaked objects alive
DIAGNOSIS = "kept_on_object"
MAX_ITERATIONS = 400


class SessionStore:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.sessions = {}

    def login(self, user):
        token = f"{self.rng.getrandbits(128):032x}"
        self.sessions[token] = {"user": user, "cart": [user] * 100, "csrf": token[::-1]}  # SITE
        return token


def setup():
    return SessionStore(seed=42)


def step(store):
    return store.login("bob")
