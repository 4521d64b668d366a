"""A gc sawtooth with another shape: a parent/child dataclass tree per iteration, left to the gc.

Each tree is a web of cycles (children point at their parent); the gc reclaims them in
batches, so memory rises and falls around a constant level.
"""

from dataclasses import dataclass, field
from typing import Optional

EXPECT = "plateau|flat"
MAX_ITERATIONS = 600


@dataclass
class TreeNode:
    label: str
    parent: Optional["TreeNode"] = None
    children: list["TreeNode"] = field(default_factory=list)


def build(depth, parent=None, label="n"):
    node = TreeNode(label, parent)
    if depth:
        node.children = [build(depth - 1, node, label + str(i)) for i in range(3)]
    return node


def step():
    return len(build(3).children)
