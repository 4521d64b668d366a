"""An org-chart endpoint builds a tree of attrs objects per request (each employee points to
its manager and its reports, so the tree is full of reference cycles), computes head counts
and the deepest chain, and drops the tree. The cyclic garbage is freed by the cycle
collector: gc-heavy churn, correct code."""

import random

import attrs

LIBRARIES = ("attrs",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +79/+0/+0/+0 B"
)


@attrs.define(eq=False)
class Employee:
    name: str
    title: str
    manager: "Employee | None" = None
    reports: list["Employee"] = attrs.field(factory=list)

    def add(self, other: "Employee") -> None:
        other.manager = self
        self.reports.append(other)

    def headcount(self) -> int:
        return 1 + sum(r.headcount() for r in self.reports)


def setup():
    return {"rng": random.Random(13)}


def step(state):
    rng = state["rng"]
    ceo = Employee("ceo", "Chief Executive")
    staff = [ceo]
    for k in range(rng.randint(150, 300)):
        boss = staff[rng.randrange(len(staff))]
        emp = Employee(f"emp{k}", rng.choice(("engineer", "designer", "manager")))
        boss.add(emp)
        staff.append(emp)
    deepest = 0
    for emp in staff:
        depth, cur = 0, emp
        while cur.manager is not None:
            depth, cur = depth + 1, cur.manager
        deepest = max(deepest, depth)
    return ceo.headcount(), deepest
