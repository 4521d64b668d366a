"""A scheduling API converts each meeting time into the attendee's zone with pytz
(``localize`` + ``normalize``), for attendees all over the world. pytz loads each zone file
once and caches it (bounded by the ~600 zones that exist), so memory grows while new
zones are seen and then stays: a slow cache, correct code."""

import datetime as dt
import random

import pytz

LIBRARIES = ("pytz",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +12.97/+0.02/+0.02/+0.00, C heap +847.6/+0.0/+0.0/+0.0 B, RSS +1606/+0/+3/+0 B"
)


def setup():
    return {"rng": random.Random(47), "zones": list(pytz.common_timezones)}


def step(state):
    rng = state["rng"]
    organizer = pytz.timezone("Europe/Berlin")
    start = organizer.localize(
        dt.datetime(2024, rng.randint(1, 12), rng.randint(1, 28), rng.randint(7, 18), 30)
    )
    local_times = []
    for zone_name in rng.sample(state["zones"], 3):
        zone = pytz.timezone(zone_name)
        local = zone.normalize(start.astimezone(zone))
        local_times.append((zone_name, local.strftime("%Y-%m-%d %H:%M %Z")))
    return local_times
