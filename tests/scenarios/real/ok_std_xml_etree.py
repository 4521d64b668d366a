"""A feed importer parses each incoming RSS-like XML document with
xml.etree.ElementTree.fromstring, pulls fields out with find/findall/iter, and builds a
small summary document with SubElement and tostring; every tree is dropped per step."""

import random
import xml.etree.ElementTree as ET

LIBRARIES = ("xml.etree.ElementTree",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 20000 iterations (gc every 200); per-window growth per iteration: "
    "blocks +0.03/+0.00/+0.01/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+1/+0 B"
)

_NS = "http://purl.org/dc/elements/1.1/"


def _feed(rng, k):
    channel = ET.Element("rss", version="2.0")
    ch = ET.SubElement(channel, "channel")
    ET.SubElement(ch, "title").text = f"Feed {k}"
    for i in range(rng.randint(4, 12)):
        item = ET.SubElement(ch, "item")
        ET.SubElement(item, "title").text = f"Post {k}.{i} & more"
        ET.SubElement(item, "link").text = f"https://blog.example.test/{k}/{i}"
        ET.SubElement(item, f"{{{_NS}}}creator").text = rng.choice(["ann", "bo", "cy"])
        cat = ET.SubElement(item, "category", domain="tags")
        cat.text = rng.choice(["python", "xml", "news", "ops"])
    return ET.tostring(channel, encoding="utf-8")


def setup():
    rng = random.Random(2)
    return {"docs": [_feed(rng, k) for k in range(64)], "n": 0}


def step(state):
    doc = state["docs"][state["n"] % 64]
    state["n"] += 1
    root = ET.fromstring(doc)
    channel = root.find("channel")
    authors = {}
    for item in channel.iterfind("item"):
        who = item.findtext(f"{{{_NS}}}creator")
        authors.setdefault(who, []).append(item.findtext("title"))
    summary = ET.Element("summary", feed=channel.findtext("title"))
    for who, titles in sorted(authors.items()):
        ET.SubElement(summary, "author", name=who, posts=str(len(titles)))
    tags = [c.text for c in root.iter("category")]
    ET.SubElement(summary, "tags").text = ",".join(sorted(set(tags)))
    return ET.tostring(summary, encoding="unicode")
