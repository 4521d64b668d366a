"""A job scheduler takes a page of ten jobs per tick, parses each last-run timestamp
(datetime.strptime with a few formats, fromisoformat), converts it to the job's zone with
zoneinfo, computes the next run with timedelta arithmetic and formats it; strptime's and
zoneinfo's caches are small and bounded, so memory settles after the first calls."""

import datetime
import random
import zoneinfo

LIBRARIES = ("datetime", "zoneinfo", "_strptime")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.16/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)

_ZONES = [
    "Europe/Paris",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
    "America/Sao_Paulo",
]
_FORMATS = ["%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%b %d %Y %I:%M%p"]


def setup():
    rng = random.Random(9)
    jobs = []
    base = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    for i in range(200):
        when = base + datetime.timedelta(minutes=rng.randrange(525600))
        fmt = _FORMATS[i % 3]
        jobs.append(
            {
                "last": when.strftime(fmt) if i % 4 else when.isoformat(),
                "fmt": fmt if i % 4 else None,
                "zone": _ZONES[i % len(_ZONES)],
                "every": datetime.timedelta(hours=rng.choice([1, 6, 24, 168])),
            }
        )
    return {"jobs": jobs, "n": 0}


def next_run(job):
    if job["fmt"] is None:
        last = datetime.datetime.fromisoformat(job["last"])
    else:
        last = datetime.datetime.strptime(job["last"], job["fmt"]).replace(
            tzinfo=datetime.timezone.utc
        )
    tz = zoneinfo.ZoneInfo(job["zone"])
    local_next = (last + job["every"]).astimezone(tz)
    if local_next.hour < 6:  # keep nightly jobs out of the small hours, local time
        local_next = local_next.replace(hour=6, minute=0)
    due_in = local_next - datetime.datetime(2024, 6, 1, tzinfo=datetime.timezone.utc)
    return local_next.strftime("%a %Y-%m-%d %H:%M %Z"), due_in.total_seconds() // 3600


def step(state):
    start = (state["n"] * 10) % 200
    state["n"] += 1
    page = state["jobs"][start : start + 10]
    return sorted(next_run(job) for job in page)[0]
