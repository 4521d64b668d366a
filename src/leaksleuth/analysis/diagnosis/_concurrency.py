"""asyncio tasks never awaited or never discarded; threads never joined."""

from __future__ import annotations

from typing import Optional

from leaksleuth.analysis.diagnosis._evidence import Evidence, Found, Rule, at, path_text

TASK_SET_FIX = (
    "discard each task from the set when it is done: task.add_done_callback(tasks.discard) "
    "right after tasks.add(task)"
)
TASK_FIX = (
    "if you keep tasks in a set or a list, discard each one when it is done "
    "(task.add_done_callback(tasks.discard)); otherwise await the tasks you create "
    "(asyncio.gather, asyncio.TaskGroup) or cancel them: a task that never finishes keeps "
    "its coroutine's frame"
)
THREAD_FIX = (
    "join the threads you start (thread.join()) and make sure each one returns; for "
    "repeated work reuse a pool (concurrent.futures.ThreadPoolExecutor) instead of a thread "
    "per call"
)


_TASK_TYPES = ("_asyncio.Task", "asyncio.tasks.Task", "asyncio.Task")


def tasks(ev: Evidence) -> Optional[Found]:
    task = next((t for t in ev.types if t in _TASK_TYPES), None)
    if not ev.grows("tasks") and task is None:
        return None
    held = [h for h in ev.holders if h.object_type in _TASK_TYPES]
    in_set = next((h for h in held if " set" in path_text(h) or "(set" in path_text(h)), None)
    # The line that creates the tasks (through create_task), before one that only runs
    # a loop (asyncio.run makes its loop in base_events.py).
    made = ev.sites_passing("asyncio/tasks.py") or ev.sites_passing("asyncio/base_events.py")
    site = made[0] if made else ev.site_for(in_set)
    proof = []
    if ev.grows("tasks"):
        proof.append("the count of live asyncio tasks grows")
    if task is not None:
        proof.append(f"{task} objects grow by {ev.types[task]:.3g} per iteration")
    if in_set is not None:
        proof.append(f"they are held by {path_text(in_set)}")
        summary = f"asyncio tasks are added to a set and never discarded (created at {at(site)})"
        fix = TASK_SET_FIX
    else:
        summary = (
            f"asyncio tasks pile up (created at {at(site)}): kept after they finished, or "
            "never awaited"
        )
        fix = TASK_FIX
    return Found(summary, "; ".join(proof), fix, site.where if site else "", in_set)


def threads(ev: Evidence) -> Optional[Found]:
    thread = ev.growing_type("Thread")
    if not ev.grows("threads"):
        return None
    site = next(iter(ev.sites_passing("threading.py")), None) or ev.site_for(None)
    proof = "the process's thread count grows"
    if thread is not None:
        proof += f"; {thread} objects grow by {ev.types[thread]:.3g} per iteration"
    return Found(
        summary=f"threads are started and never end or are never joined (at {at(site)})",
        evidence=proof,
        fix=THREAD_FIX,
        where=site.where if site else "",
    )


RULES = (Rule("asyncio_tasks", tasks), Rule("threads_not_joined", threads))
