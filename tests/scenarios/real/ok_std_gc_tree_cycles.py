"""A config loader builds a small document tree per request whose nodes point to their
parent and their children (reference cycles), reads it, and drops it; the cycle collector
frees each tree later, so memory saw-tooths around a flat level."""

LIBRARIES = ("gc",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +13/+0/+0/+0 B"
)


class Node:
    def __init__(self, name, parent=None):
        self.name = name
        self.parent = parent
        self.children = []
        self.attrs = {}
        if parent is not None:
            parent.children.append(self)

    def path(self):
        parts = []
        node = self
        while node is not None:
            parts.append(node.name)
            node = node.parent
        return "/".join(reversed(parts))


def build(n):
    root = Node("root")
    for s in range(6):
        section = Node(f"section{s}", root)
        section.attrs["index"] = s
        for k in range(8):
            leaf = Node(f"key{k}", section)
            leaf.attrs["value"] = f"{n}-{s}-{k}"
    return root


def setup():
    return {"n": 0}


def step(state):
    state["n"] += 1
    root = build(state["n"])
    deepest = root.children[-1].children[-1]
    return len(deepest.path()) + sum(len(s.children) for s in root.children)
