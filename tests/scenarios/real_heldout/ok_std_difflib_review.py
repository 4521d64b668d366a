"""A review bot compares the old and new revision of a config file with difflib
(unified_diff, SequenceMatcher.ratio, get_close_matches for misspelled keys), strips the
HTML of the reviewer's note with an html.parser.HTMLParser subclass and wraps its
comment with textwrap; all per-review data, so memory stays flat."""

import difflib
import html.parser
import random
import textwrap

LIBRARIES = ("difflib", "textwrap", "html.parser")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)

_KEYS = [
    "listen_port",
    "worker_count",
    "log_level",
    "max_body_size",
    "read_timeout",
    "write_timeout",
    "tls_cert",
    "tls_key",
    "cache_dir",
    "upstream",
    "retry_budget",
]


class TextOnly(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def _config(rng):
    return [f"{key} = {rng.randint(1, 500)}" for key in _KEYS if rng.random() < 0.9]


def setup():
    rng = random.Random(15)
    revisions = [_config(rng) for _ in range(60)]
    typos = [
        "listen_prot",
        "workers_count",
        "loglevel",
        "read_timout",
        "tls_crt",
        "upstreams",
        "cachedir",
    ]
    return {"revisions": revisions, "typos": typos, "n": 0}


def step(state):
    n = state["n"]
    state["n"] = n + 1
    old, new = state["revisions"][n % 60], state["revisions"][(n + 1) % 60]
    diff = list(difflib.unified_diff(old, new, "config.old", "config.new", lineterm="", n=1))
    ratio = difflib.SequenceMatcher(None, "\n".join(old), "\n".join(new)).ratio()
    typo = state["typos"][n % len(state["typos"])]
    suggestion = difflib.get_close_matches(typo, _KEYS, n=1, cutoff=0.6)
    parser = TextOnly()
    parser.feed(
        f"<p>Key <code>{typo}</code> looks wrong &mdash; did you mean <b>{suggestion}</b>?</p>"
        f"<p>{len(diff)} changed lines, similarity {ratio:.0%}.</p>"
    )
    parser.close()
    note = textwrap.fill(
        " ".join(parser.parts), width=60, initial_indent="> ", subsequent_indent="> "
    )
    return textwrap.shorten(note, width=120, placeholder=" [...]"), len(diff)
