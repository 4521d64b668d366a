"""A calendar service parses loosely formatted dates from user input with
``dateutil.parser``, expands a recurring meeting with ``rrule`` and shifts deadlines with
``relativedelta`` and ``tz.gettz`` zones. Everything is per request; only dateutil's small
bounded tz cache persists: correct code."""

import datetime as dt
import random

from dateutil import parser, rrule, tz
from dateutil.relativedelta import relativedelta

LIBRARIES = ("dateutil",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.16/+0.00/-0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +3/+0/+0/+0 B"
)

_FORMATS = (
    "{d} {mon} {y} {h}:{m:02d}",
    "{y}-{mo:02d}-{d:02d}T{h:02d}:{m:02d}:00",
    "{mon} {d}, {y} at {h}:{m:02d}",
    "{d:02d}/{mo:02d}/{y} {h:02d}h{m:02d}",
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ZONES = ("Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC", "Australia/Sydney")


def setup():
    return {"rng": random.Random(19)}


def step(state):
    rng = state["rng"]
    mo, d, y = rng.randint(1, 12), rng.randint(1, 28), rng.randint(2020, 2026)
    text = rng.choice(_FORMATS).format(
        d=d, mo=mo, y=y, mon=_MONTHS[mo - 1], h=rng.randint(0, 23), m=rng.randint(0, 59)
    )
    zone = tz.gettz(rng.choice(_ZONES))
    start = parser.parse(text, dayfirst="/" in text).replace(tzinfo=zone)
    weekly = rrule.rrule(rrule.WEEKLY, dtstart=start, count=6, byweekday=(rrule.MO, rrule.TH))
    meetings = list(weekly)
    deadline = start + relativedelta(months=+1, weekday=rrule.FR(-1))
    return [m.astimezone(dt.timezone.utc).isoformat() for m in meetings], deadline.isoformat()
