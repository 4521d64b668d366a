"""Each request runs ``asyncio.run(handle(...))`` and fires off an audit task in the
background, keeping a strong reference in a module-level set as the asyncio docs advise,
but without the ``task.add_done_callback(_background.discard)`` that should go with it.
Finished tasks stay in the set forever, and each keeps its result and the (closed) event
loop it ran on (about 4.0 KB per request)."""

import asyncio
import itertools

LIBRARIES = ("asyncio",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +30.82/+32.00/+32.00/+30.72, "
    "C heap +734.7/+545.2/+544.0/+1157.9 B, RSS +3896/+3837/+3883/+4548 B"
)
HOLDER = "global _background"
DIAGNOSIS = "asyncio_tasks"

_ids = itertools.count()
_background = set()


async def _write_audit(request_id, user):
    await asyncio.sleep(0)
    return {"request": request_id, "user": user, "ok": True}


async def handle(request_id):
    user = f"user-{request_id % 100}"
    task = asyncio.create_task(_write_audit(request_id, user))
    _background.add(task)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    return len(user)


def step():
    return asyncio.run(handle(next(_ids)))  # SITE


def teardown():
    _background.clear()
