"""Many small strings: joined trace lines kept by a tracer object made in setup()."""

EXPECT = "leak"
HOLDER = ".lines"  # what keeps the leaked objects alive
DIAGNOSIS = "kept_on_object"
MAX_ITERATIONS = 600


class Tracer:
    def __init__(self):
        self.lines = []
        self.span = 0

    def span_done(self, name, micros):
        self.span += 1
        parts = ("span", name, "#" + str(self.span), "took", str(micros) + "us")
        self.lines.append(" ".join(parts))  # SITE


def setup():
    return Tracer()


def step(tracer):
    for name, micros in (("db.query", 120), ("render", 45), ("cache.get", 3)):
        tracer.span_done(name, micros)
