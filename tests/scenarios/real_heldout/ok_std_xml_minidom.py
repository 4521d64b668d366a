"""A SOAP-ish client parses each response with xml.dom.minidom.parseString, reads values
with getElementsByTagName, builds the next request with a new Document and toxml(); DOM
nodes reference their parents (cycles) and are unlinked or left to the gc, so memory
saw-tooths around a flat level."""

import random
import xml.dom.minidom

LIBRARIES = ("xml.dom.minidom",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +39/+0/+0/+0 B"
)


def _response(rng, k):
    doc = xml.dom.minidom.Document()
    env = doc.createElement("Envelope")
    doc.appendChild(env)
    body = doc.createElement("Body")
    env.appendChild(body)
    result = doc.createElement("GetQuotesResult")
    result.setAttribute("request", str(k))
    body.appendChild(result)
    for _ in range(rng.randint(3, 10)):
        q = doc.createElement("Quote")
        q.setAttribute("symbol", f"S{rng.randrange(500):03d}")
        price = doc.createElement("Price")
        price.appendChild(doc.createTextNode(f"{rng.uniform(1, 900):.2f}"))
        q.appendChild(price)
        result.appendChild(q)
    text = doc.toxml()
    doc.unlink()
    return text


def setup():
    rng = random.Random(12)
    return {"responses": [_response(rng, k) for k in range(64)], "n": 0}


def step(state):
    n = state["n"]
    state["n"] = n + 1
    dom = xml.dom.minidom.parseString(state["responses"][n % 64])
    quotes = {}
    for q in dom.getElementsByTagName("Quote"):
        price = q.getElementsByTagName("Price")[0].firstChild.data
        quotes[q.getAttribute("symbol")] = float(price)
    if n % 2:
        dom.unlink()  # half the time explicitly, half the time left to the cycle collector
    req = xml.dom.minidom.Document()
    root = req.createElement("GetQuotes")
    req.appendChild(root)
    for symbol in sorted(quotes, key=quotes.get)[:3]:
        s = req.createElement("Symbol")
        s.appendChild(req.createTextNode(symbol))
        root.appendChild(s)
    return req.toprettyxml(indent="  ")
