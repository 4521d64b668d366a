"""Self-referencing dict trees built per iteration in a program that turned the gc off."""

import gc

EXPECT = "leak"
HOLDER = "unreachable reference cycle"  # what keeps the leaked objects alive
DIAGNOSIS = ()  # no pattern tells unreachable cycles with the gc off
MAX_ITERATIONS = 400

_gc_was_enabled = True


def setup():
    global _gc_was_enabled
    _gc_was_enabled = gc.isenabled()
    gc.disable()


def build_tree(n):
    root = {"name": f"root-{n}", "children": []}
    for i in range(4):
        child = {"name": f"c{i}", "parent": root, "text": "x" * 200 + str(n)}  # SITE
        root["children"].append(child)
    return root


def step():
    tree = build_tree(7)
    return len(tree["children"])


def teardown():
    if _gc_was_enabled:
        gc.enable()
    gc.collect()
