"""A service logs each request through a module logger whose single StreamHandler (added
once in setup, writing to an io.StringIO that is shipped and truncated every 100
requests, four per step) formats messages with varying %-style arguments; nothing is kept
per message."""

import io
import logging

LIBRARIES = ("logging", "io")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 20000 iterations (gc every 200); per-window growth per iteration: "
    "blocks +0.04/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +1/+1/+0/+0 B"
)

_LOGGER_NAME = "shop.requests"
_STATE = {}


def setup():
    logger = logging.getLogger(_LOGGER_NAME)
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(funcName)s] %(message)s")
    )
    _STATE.update(
        logger=logger,
        sink=sink,
        handler=handler,
        saved=(logger.level, logger.propagate),
        n=0,
        shipped=0,
    )
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return _STATE


def handle(logger, n):
    user = f"user{n % 317}"
    logger.info("GET /cart/%d by %s -> %d items", n % 1000, user, n % 7)
    if n % 5 == 0:
        logger.warning("slow query %.1f ms for %s", 20 + (n % 40) * 1.5, user)
    logger.debug("cache state %s", {"hits": n, "misses": n // 3})  # filtered by level
    if n % 50 == 0:
        try:
            {}["missing"]
        except KeyError:
            logger.exception("lookup failed for order %d", n)


def step(state):
    n = state["n"]
    state["n"] = n + 1
    for k in range(4):  # a small burst of requests
        handle(state["logger"], n * 4 + k)
    if n % 25 == 24:
        sink = state["sink"]
        state["shipped"] += len(sink.getvalue())
        sink.seek(0)
        sink.truncate()


def teardown():
    logger = _STATE.get("logger")
    if logger is not None:
        logger.removeHandler(_STATE["handler"])
        _STATE["handler"].close()
        logger.setLevel(_STATE["saved"][0])
        logger.propagate = _STATE["saved"][1]
    _STATE.clear()
