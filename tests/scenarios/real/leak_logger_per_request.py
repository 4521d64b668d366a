"""A request handler that tags its log lines with a logger made per request,
``logging.getLogger(f"request.{n}")``. The logging module keeps every logger it ever
made in ``Logger.manager.loggerDict`` and never forgets one, so each request leaves a
Logger behind for good (about 600 B per request)."""

import itertools
import logging

LIBRARIES = ("logging",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +6.72/+7.00/+7.00/+6.72, "
    "C heap +19.6/+20.7/+41.5/+0.0 B, RSS +551/+577/+580/+557 B"
)
HOLDER = "loggerDict"
DIAGNOSIS = "logger_per_call"

_ids = itertools.count()
_parent = logging.getLogger("request")
_saved = {}


def setup():
    _saved.update(level=_parent.level, propagate=_parent.propagate)
    _handler = logging.NullHandler()
    _saved["handler"] = _handler
    _parent.addHandler(_handler)
    _parent.setLevel(logging.WARNING)
    _parent.propagate = False


def handle(n, payload):
    log = logging.getLogger(f"request.{n}")  # SITE
    log.debug("payload has %d fields", len(payload))
    if not payload:
        log.warning("empty payload")
    return sum(payload.values())


def step():
    n = next(_ids)
    return handle(n, {"a": n % 7, "b": n % 11})


def teardown():
    manager = logging.Logger.manager
    with logging._lock:  # the module's own lock (Python 3.11)
        for name in [k for k in manager.loggerDict if k.startswith("request.")]:
            del manager.loggerDict[name]
    if "handler" in _saved:
        _parent.removeHandler(_saved["handler"])
        _parent.setLevel(_saved["level"])
        _parent.propagate = _saved["propagate"]
    _saved.clear()
