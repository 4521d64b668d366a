"""A log router compiles the pattern of the rule it needs on every message with
re.compile; there are 300 distinct rules, so re's own cache (512 entries) ends up holding
all of them and the memory settles once every rule has been seen."""

import re

LIBRARIES = ("re",)
EXPECT = "plateau|flat"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +1.80/+0.00/+0.00/+0.00, C heap +145.4/+0.0/+0.0/+0.0 B, RSS +115/+0/+0/+0 B"
)

_SERVICES = ["auth", "billing", "search", "cart", "mail", "media", "geo", "ads", "feed", "chat"]
_RULES = [
    rf"^(?P<ts>\d{{4}}-\d\d-\d\dT[\d:]+) {svc}\[(?P<pid>\d+)\]: "
    rf"(?P<level>[A-Z]+) code={code:03d} (?P<msg>.*)$"
    for svc in _SERVICES
    for code in range(30)
]


def setup():
    return {"n": 0}


def step(state):
    n = state["n"]
    state["n"] = n + 1
    rule = n % len(_RULES)
    svc = _SERVICES[rule // 30]
    code = rule % 30
    stamp = f"2024-03-0{n % 9 + 1}T12:{n % 60:02d}:00"
    line = f"{stamp} {svc}[{1000 + n % 97}]: WARN code={code:03d} slow upstream {n}"
    pattern = re.compile(_RULES[rule])
    match = pattern.match(line)
    return match.group("level") if match else None
