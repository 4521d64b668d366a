"""ujson up to 5.12.0 leaked the string returned by a ``default=`` fallback when that
string held non-ASCII text and ``ensure_ascii`` was on (the default): the encoder
overwrote its only reference with a temporary UTF-8 buffer. A structured logger that
``repr``s unknown objects leaks every such repr. Fixed in 5.12.1 (ultrajson/ultrajson#714).
https://github.com/ultrajson/ultrajson/issues/631"""

import ujson

LIBRARIES = ("ujson",)
LEAKY = "ujson==5.12.0"
FIXED = "ujson==5.12.1"
TRACKER = "https://github.com/ultrajson/ultrajson/issues/631"
DIAGNOSIS_LEAKY = "refcount_leak"
LIBRARY = "ujson"
GROUND_TRUTH_LEAKY = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +3.84/+4.00/+4.00/+3.84, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +488/+514/+518/+495 B"
)
GROUND_TRUTH_FIXED = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


class SearchHit:
    def __init__(self, document, score):
        self.document = document
        self.score = score

    def __repr__(self):
        return f"SearchHit(document={self.document!r}, score={self.score})"  # SITE


def json_fallback(obj):
    return repr(obj)


def setup():
    return ["Café crème", "Größe", "生日快乐", "naïve"]


def step(documents):
    hits = [SearchHit(doc, round(0.9 - i / 10, 2)) for i, doc in enumerate(documents)]
    return ujson.dumps({"query": "q", "hits": hits}, default=json_fallback)  # leaks the reprs
