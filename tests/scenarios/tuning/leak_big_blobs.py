"""A big leak: every request's 160 KiB response body is kept in a list of archived bodies."""

EXPECT = "leak"
HOLDER = "global _ARCHIVE"  # what keeps the leaked objects alive
DIAGNOSIS = "growing_container"
MAX_ITERATIONS = 300

_ARCHIVE = []


def render_body(n):
    return b"%08d" % n + bytes(160 * 1024)  # SITE


def step():
    body = render_body(len(_ARCHIVE))
    _ARCHIVE.append(body)


def teardown():
    _ARCHIVE.clear()
