"""A wiki renders each edited page from Markdown to HTML with one ``markdown.Markdown``
instance (tables, fenced code and a table of contents), calling ``reset()`` between pages
as the documentation recommends. The per-document state is cleared: correct code."""

import random

import markdown

LIBRARIES = ("markdown",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.04/+0.00/+0.00/-0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def _page(rng, k):
    rows = "\n".join(
        f"| {rng.choice(['cpu', 'mem', 'disk'])} | {rng.randint(1, 99)} |" for _ in range(4)
    )
    return (
        f"# Runbook {k}\n\n"
        f"Some *intro* text with a [link](https://wiki.example/{k}) and `code`.\n\n"
        f"## Steps\n\n1. check **{rng.choice(['api', 'db', 'queue'])}**\n2. restart it\n\n"
        f"```bash\nsystemctl restart svc{k % 10}\n```\n\n"
        f"## Limits\n\n| resource | percent |\n|---|---|\n{rows}\n"
    )


def setup():
    rng = random.Random(23)
    md = markdown.Markdown(extensions=["tables", "fenced_code", "toc"])
    return {"md": md, "pages": [_page(rng, k) for k in range(60)], "i": 0}


def step(state):
    state["i"] += 1
    md = state["md"]
    html = md.reset().convert(state["pages"][state["i"] % len(state["pages"])])
    return len(html), md.toc_tokens[0]["name"] if md.toc_tokens else ""
