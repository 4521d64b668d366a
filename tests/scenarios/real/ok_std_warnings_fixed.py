"""A sync job pages through an API with a client library that warns on every call using
a deprecated argument, always with the same fixed message; the "default" filter shows it
once and the caller's warning registry holds one key per location, so repeating it costs
nothing."""

import warnings

LIBRARIES = ("warnings",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


class LegacyOptionWarning(UserWarning):
    """The option still works but will be removed."""


_STATE = {}


def fetch(url, timeout=None, retries=None):
    if retries is not None:
        warnings.warn(
            "'retries' is deprecated; pass a RetryPolicy instead", LegacyOptionWarning, stacklevel=2
        )
    if timeout is not None and timeout > 30:
        warnings.warn("timeouts above 30 s are clamped", RuntimeWarning, stacklevel=2)
        timeout = 30
    return {"url": url, "timeout": timeout or 10, "attempts": (retries or 0) + 1, "status": 200}


def _shown(message, category, filename, lineno, file=None, line=None):
    _STATE["shown"] = _STATE.get("shown", 0) + 1


def setup():
    _STATE.update(filters=warnings.filters[:], showwarning=warnings.showwarning, n=0, shown=0)
    warnings.filterwarnings("default", category=LegacyOptionWarning)
    warnings.filterwarnings("default", category=RuntimeWarning)
    warnings.showwarning = _shown
    return _STATE


def step(state):
    # One sync pass over a page of twenty items, written against the old calling style.
    n = state["n"]
    state["n"] = n + 1
    done = []
    for k in range(20):
        i = n * 20 + k
        item = fetch(f"https://api.example.test/items/{i}", retries=i % 4)
        owner = fetch(f"https://api.example.test/users/{i % 50}", timeout=25 + i % 10)
        done.append((item["url"].rsplit("/", 1)[1], owner["timeout"], item["status"]))
    return len(done)


def teardown():
    if "filters" in _STATE:
        warnings.filters[:] = _STATE["filters"]
        warnings.showwarning = _STATE["showwarning"]
        warnings._filters_mutated()
    _STATE.clear()
