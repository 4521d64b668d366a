"""Cyclic garbage made every iteration and reclaimed by the gc's periodic collections.

Between collections memory climbs, then drops: a sawtooth with no upward trend.
"""

EXPECT = "plateau|flat"
MAX_ITERATIONS = 600


class Item:
    def __init__(self, parent):
        self.parent = parent
        self.children = []
        self.data = bytearray(64)


def step():
    root = Item(None)
    for _ in range(40):
        child = Item(root)
        root.children.append(child)  # child <-> root: a cycle only the gc can free
    return len(root.children)
