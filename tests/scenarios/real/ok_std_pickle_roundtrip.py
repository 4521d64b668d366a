"""A job queue serialises each task (a dataclass with an Enum field and nested lists) with
pickle.dumps at the highest protocol and the worker side restores it with pickle.loads;
the pickled bytes and objects are dropped per job, so memory stays flat."""

import dataclasses
import enum
import pickle

LIBRARIES = ("pickle", "dataclasses", "enum")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.11/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +7/+0/+0/+0 B"
)


class Priority(enum.Enum):
    LOW = 1
    NORMAL = 2
    HIGH = 3


@dataclasses.dataclass
class Task:
    job_id: int
    kind: str
    priority: Priority
    args: list
    options: dict = dataclasses.field(default_factory=dict)
    parent: "Task | None" = None


def setup():
    return {"n": 0}


def roundtrip(n):
    parent = Task(n, "resize", Priority((n % 3) + 1), [f"img/{n}.png", (640, 480)])
    task = Task(
        n + 1,
        "upload",
        Priority.NORMAL,
        [f"out/{n}.webp", list(range(n % 20))],
        {"bucket": "thumbs", "retries": n % 4, "tags": {"batch", f"b{n % 9}"}},
        parent,
    )
    blob = pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL)
    restored = pickle.loads(blob)
    assert restored.parent.priority is parent.priority
    return len(blob)


def step(state):
    n = state["n"]
    state["n"] = n + 1
    return sum(roundtrip(n * 5 + k) for k in range(5))  # a batch of five jobs
