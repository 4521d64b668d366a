"""A price scraper parses each downloaded product page with BeautifulSoup (the pure-Python
``html.parser`` backend), collects prices, links and the breadcrumb, and drops the soup.
bs4 trees are webs of parent/sibling references, so each page becomes cyclic garbage that
the collector frees: gc-heavy churn, correct code."""

import random

from bs4 import BeautifulSoup

LIBRARIES = ("bs4",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def _page(rng, k):
    cards = "".join(
        f'<div class="card" data-sku="S{rng.randint(1, 99999)}"><h3>Item {k}-{j}</h3>'
        f'<span class="price">{rng.randint(1, 999)}.{rng.randint(0, 99):02d} EUR</span>'
        f'<a href="/p/{rng.randint(1, 10**6)}">details</a></div>'
        for j in range(rng.randint(6, 16))
    )
    return (
        f"<html><head><title>Shop page {k}</title></head><body>"
        f'<nav class="crumbs"><a href="/">Home</a> &gt; <a href="/c/{k % 7}">Cat {k % 7}</a></nav>'
        f"<main>{cards}</main></body></html>"
    )


def setup():
    rng = random.Random(29)
    return {"pages": [_page(rng, k) for k in range(40)], "i": 0}


def step(state):
    state["i"] += 1
    soup = BeautifulSoup(state["pages"][state["i"] % 40], "html.parser")
    prices = [
        float(tag.get_text(strip=True).split()[0]) for tag in soup.select("div.card span.price")
    ]
    links = [a["href"] for a in soup.find_all("a", href=True)]
    crumbs = [a.get_text() for a in soup.select("nav.crumbs a")]
    return soup.title.string, min(prices), len(links), crumbs
