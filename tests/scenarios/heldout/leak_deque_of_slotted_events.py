"""An audit trail: slotted Event objects with ~1 KiB of text pushed onto an unbounded deque."""

from collections import deque

EXPECT = "leak"
HOLDER = ".events"  # what keeps the leaked objects alive
DIAGNOSIS = "kept_on_object"
MAX_ITERATIONS = 400


class Event:
    __slots__ = ("body", "seq")

    def __init__(self, seq, body):
        self.seq = seq
        self.body = body


class AuditTrail:
    def __init__(self):
        self.events = deque()  # no maxlen: nothing ever falls off
        self.seq = 0

    def record(self, user):
        self.seq += 1
        body = f"user={user};" * 80  # SITE
        self.events.append(Event(self.seq, body))


def setup():
    return AuditTrail()


def step(trail):
    trail.record("alice")
