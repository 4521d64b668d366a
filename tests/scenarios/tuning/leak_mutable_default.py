"""A mutable default argument used as an accumulator: every call grows the shared list."""

EXPECT = "leak"
HOLDER = ".__defaults__"  # what keeps the leaked objects alive
DIAGNOSIS = "mutable_default"
MAX_ITERATIONS = 400

_n = 0


def record_event(name, history=[]):  # noqa: B006 - the leak under test
    history.append({"name": name, "tags": list(range(60))})  # SITE
    return len(history)


def step():
    global _n
    _n += 1
    return record_event("tick")
