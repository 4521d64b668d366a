"""An event processor decodes each msgpack batch into attrs objects linked both ways
(session <-> its events, event -> previous event), sessionizes them and re-encodes a
summary. Every batch leaves a graph of reference cycles that the cycle collector frees:
gc-heavy churn, correct code."""

import random

import attrs
import msgpack

LIBRARIES = ("attrs", "msgpack")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +13/+0/+0/+0 B"
)


@attrs.define(eq=False)
class Session:
    user: int
    events: list = attrs.field(factory=list)


@attrs.define(eq=False)
class Event:
    kind: str
    ts: int
    session: Session
    previous: "Event | None" = None


def _batch(rng):
    return msgpack.packb(
        [
            {"user": rng.randint(1, 40), "kind": rng.choice(("view", "click", "buy")), "ts": t}
            for t in range(rng.randint(200, 400))
        ]
    )


def setup():
    rng = random.Random(97)
    return {"batches": [_batch(rng) for _ in range(20)], "i": 0}


def step(state):
    state["i"] += 1
    records = msgpack.unpackb(state["batches"][state["i"] % 20])
    sessions = {}
    for rec in records:
        session = sessions.get(rec["user"])
        if session is None:
            session = sessions[rec["user"]] = Session(rec["user"])
        prev = session.events[-1] if session.events else None
        session.events.append(Event(rec["kind"], rec["ts"], session, prev))
    summary = {
        user: {"events": len(s.events), "bought": any(e.kind == "buy" for e in s.events)}
        for user, s in sessions.items()
    }
    return msgpack.packb(summary)
