"""A crawler-style fan-out: per step it starts three worker threads that pull work items
from a queue.Queue, collect results under a Lock, and are joined before the step returns;
finished threads are forgotten by threading, so memory stays flat."""

import queue
import threading
import zlib

LIBRARIES = ("threading", "queue")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.3/+0.1/+0.0 B, RSS +3/+7/+0/+0 B"
)


def worker(tasks, results, lock):
    while True:
        try:
            item = tasks.get_nowait()
        except queue.Empty:
            return
        checksum = zlib.adler32(item)
        with lock:
            results.append(checksum)
        tasks.task_done()


def setup():
    return {"n": 0}


def step(state):
    n = state["n"]
    state["n"] = n + 1
    tasks = queue.Queue()
    for i in range(12):
        tasks.put(f"page-{n}-{i}".encode() * 20)
    results, lock = [], threading.Lock()
    threads = [
        threading.Thread(target=worker, args=(tasks, results, lock), name=f"fetch-{k}")
        for k in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(results)
