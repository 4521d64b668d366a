"""A text normaliser cleans the incoming comments (three per step) with module-level re.sub
/ re.match calls using a handful of literal patterns; re caches those few compiled
patterns once and the memory stays flat."""

import random
import re

LIBRARIES = ("re",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.02/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)

_WORDS = [
    "great",
    "product",
    "visit",
    "http://spam.example/x",
    "ok",
    "<b>bold</b>",
    "  ",
    "EMAIL",
    "me@example.org",
    "price",
    "$19.99",
    "!!!",
    "tab\tbed",
    "line\nbreak",
    "42",
    "café",
]


def setup():
    rng = random.Random(7)
    comments = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 30))) for _ in range(256)]
    return {"comments": comments, "n": 0}


def clean(text):
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"https?://\S+", "[link]", text)
    text = re.sub(r"[\w.+-]+@[\w-]+\.[\w.]+", "[email]", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"([!?.])\1+", r"\1", text)
    return text


def moderate(text):
    cleaned = clean(text)
    money = re.findall(r"\$(\d+(?:\.\d\d)?)", cleaned)
    shouting = re.match(r"^[A-Z\s!]+$", cleaned) is not None
    return len(cleaned), money, shouting


def step(state):
    n = state["n"]
    state["n"] = n + 1
    return [moderate(state["comments"][(n * 3 + k) % 256]) for k in range(3)]
