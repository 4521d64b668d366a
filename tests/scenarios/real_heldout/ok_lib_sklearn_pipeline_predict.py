"""A support-ticket router loads a scikit-learn text pipeline (TF-IDF + logistic regression)
fitted once at startup and calls ``predict_proba`` on each incoming batch of tickets. The
model is read-only during serving: correct code."""

import random

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

LIBRARIES = ("sklearn",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 20000 iterations (gc every 200); per-window growth per iteration: "
    "blocks +0.02/+0.00/+0.00/+0.00, C heap +7.4/+2.2/+0.3/+0.5 B, RSS +7/+2/+1/+0 B"
)

_TOPICS = {
    "billing": ("invoice", "refund", "charge", "card", "payment", "price"),
    "tech": ("error", "crash", "login", "password", "bug", "timeout"),
    "shipping": ("parcel", "delivery", "tracking", "address", "late", "courier"),
}


def _ticket(rng, topic):
    words = list(_TOPICS[topic]) * 2 + ["please", "help", "today", "my", "order", "the"]
    return " ".join(rng.choice(words) for _ in range(rng.randint(6, 14)))


def setup():
    rng = random.Random(71)
    topics = list(_TOPICS)
    texts, labels = [], []
    for _ in range(300):
        topic = rng.choice(topics)
        texts.append(_ticket(rng, topic))
        labels.append(topic)
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=200))
    model.fit(texts, labels)
    return {"model": model, "rng": rng, "topics": topics}


def step(state):
    rng = state["rng"]
    batch = [_ticket(rng, rng.choice(state["topics"])) for _ in range(16)]
    probs = state["model"].predict_proba(batch)
    return [state["model"].classes_[k] for k in probs.argmax(axis=1)]
