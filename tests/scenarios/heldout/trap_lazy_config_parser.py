"""Lazy initialisation at the 4th call: configparser is imported and a config table parsed once."""

import sys

EXPECT = "plateau|flat"
MAX_ITERATIONS = 600

_INI = "\n".join([f"[section{i}]\nkey = value{i}\nflag = yes" for i in range(40)])
_state = {"calls": 0, "config": None}


def setup():
    # Make the lazy import real even if an earlier test imported the module.
    sys.modules.pop("configparser", None)


def step():
    _state["calls"] += 1
    if _state["calls"] >= 4 and _state["config"] is None:
        import configparser

        parser = configparser.ConfigParser()
        parser.read_string(_INI)
        _state["config"] = {s: dict(parser[s]) for s in parser.sections()}
    cfg = _state["config"]
    return len(cfg) if cfg else 0
