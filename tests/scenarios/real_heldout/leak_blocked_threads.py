"""Each job starts a daemon watchdog thread that waits on a ``threading.Event`` to be told
the job was cancelled. Jobs finish normally and nobody sets the event, so every watchdog
blocks forever: the threads pile up in ``threading``'s table of live threads, each with
its Thread, Event, interpreter state and stack (about 5.6 KB of heap per job, plus about
12 KB of touched stack pages in RSS)."""

import itertools
import threading

LIBRARIES = ("threading",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +38.24/+40.00/+40.00/+38.40, "
    "C heap +2802.0/+2701.5/+2837.1/+2987.8 B, RSS +16371/+17826/+17849/+17465 B"
)
HOLDER = "_active"
DIAGNOSIS = "threads_not_joined"

_ids = itertools.count()


def _watch(job_id, cancelled):
    if cancelled.wait():  # no timeout: waits until someone cancels the job
        return job_id
    return None


def run_job(job_id):
    cancelled = threading.Event()
    threading.Thread(target=_watch, args=(job_id, cancelled), daemon=True).start()  # SITE
    return sum(i * i for i in range(job_id % 50))


def step():
    return run_job(next(_ids))


def teardown():
    # Teardown only: reach each blocked watchdog's event through the Thread and set it.
    waiting = [t for t in threading.enumerate() if getattr(t, "_target", None) is _watch]
    for t in waiting:
        t._args[1].set()
    for t in waiting:
        t.join()
