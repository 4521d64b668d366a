"""A feed importer parses each XML order document with lxml and keeps only the
``<customer>`` element of each in a module-level list for a later report. An lxml
element keeps its whole libxml2 document alive, so every parsed document's tree (in
libxml2's C heap) stays in memory behind one small proxy (about 12 KB per document)."""

import itertools

from lxml import etree

LIBRARIES = ("lxml",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +1.92/+2.00/+2.00/+1.92, "
    "C heap +11408.7/+11879.4/+11882.0/+11404.2 B, RSS +11325/+12026/+12026/+11541 B"
)
HOLDER = "global _customers"
DIAGNOSIS = "growing_container"

_ids = itertools.count()
_customers = []


def _document(n):
    lines = "".join(
        f'<line sku="sku-{(n + i) % 97}" qty="{1 + i % 3}"><price>{4 + i}.50</price></line>'
        for i in range(12)
    )
    return (
        f'<order id="{n}"><customer id="c{n % 250}"><name>Customer {n % 250}</name>'
        f"</customer><lines>{lines}</lines></order>"
    ).encode()


def step():
    n = next(_ids)
    root = etree.fromstring(_document(n))  # SITE
    _customers.append(root.find("customer"))
    return len(root.findall("lines/line"))


def teardown():
    _customers.clear()
