"""Reference cycles created per iteration while the program runs with the gc disabled."""

import gc

EXPECT = "leak"
HOLDER = "unreachable reference cycle"  # what keeps the leaked objects alive
DIAGNOSIS = ()  # no pattern tells unreachable cycles with the gc off
MAX_ITERATIONS = 400

_gc_was_enabled = True


class Node:
    def __init__(self, payload):
        self.payload = payload
        self.peer = None


def setup():
    global _gc_was_enabled
    _gc_was_enabled = gc.isenabled()
    gc.disable()


def step():
    a = Node(bytearray(700))  # SITE
    b = Node(None)
    a.peer, b.peer = b, a
    return a


def teardown():
    if _gc_was_enabled:
        gc.enable()
    gc.collect()
