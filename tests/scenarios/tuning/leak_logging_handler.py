"""A logging handler added on every call to a module-level logger and never removed."""

import io
import logging

EXPECT = "leak"
HOLDER = ".handlers"  # what keeps the leaked objects alive
DIAGNOSIS = "logging_handler"
MAX_ITERATIONS = 400

_LOGGER_NAME = "leaksleuth.scenario.handler_per_call"
_SINK = io.StringIO()


def step():
    logger = logging.getLogger(_LOGGER_NAME)
    logger.propagate = False
    logger.addHandler(logging.StreamHandler(_SINK))  # SITE
    return len(logger.handlers)


def teardown():
    logger = logging.getLogger(_LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
