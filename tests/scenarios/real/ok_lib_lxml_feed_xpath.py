"""A feed aggregator parses each fetched RSS document with lxml, pulls items out with
compiled XPath expressions, filters them and builds a small summary document that it
serializes. Trees are dropped after each feed: correct code."""

import random

from lxml import etree

LIBRARIES = ("lxml",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 20000 iterations (gc every 200); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +14.6/+0.0/+0.0/+0.0 B, RSS +15/+0/+0/+0 B"
)

_ITEMS = etree.XPath("/rss/channel/item")
_TITLE = etree.XPath("string(title)")
_CATEGORY = etree.XPath("category/text()")


def _feed(rng, n):
    items = "".join(
        f"<item><title>Post {rng.randint(1, 10**6)} &amp; more</title>"
        f"<link>https://blog.example/{rng.randint(1, 10**6)}</link>"
        f"<category>{rng.choice(['python', 'rust', 'go', 'ops'])}</category>"
        f"<category>{rng.choice(['news', 'howto'])}</category>"
        f"<pubDate>Mon, {rng.randint(1, 28):02d} Apr 2024 10:00:00 GMT</pubDate></item>"
        for _ in range(n)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>blog</title>'
    return f"{head}{items}</channel></rss>".encode()


def setup():
    rng = random.Random(8)
    return {"feeds": [_feed(rng, rng.randint(40, 160)) for _ in range(50)], "i": 0}


def step(state):
    state["i"] += 1
    raw = state["feeds"][state["i"] % len(state["feeds"])]
    root = etree.fromstring(raw, parser=etree.XMLParser(resolve_entities=False))
    digest = etree.Element("digest", count="0")
    kept = 0
    for item in _ITEMS(root):
        cats = _CATEGORY(item)
        if "python" in cats or "howto" in cats:
            entry = etree.SubElement(digest, "entry", tags=",".join(cats))
            entry.text = _TITLE(item)
            kept += 1
    digest.set("count", str(kept))
    return etree.tostring(digest, encoding="unicode")
