"""A class-attribute registry: every Session registers itself and is never removed."""

EXPECT = "leak"
HOLDER = "attribute registry"  # what keeps the leaked objects alive
DIAGNOSIS = "growing_container"
MAX_ITERATIONS = 400


class Session:
    registry = []  # noqa: RUF012 - the shared registry is the leak under test

    def __init__(self, user):
        self.user = user
        self.scratch = bytearray(900)  # SITE
        Session.registry.append(self)


def step():
    s = Session(len(Session.registry))
    return s.user


def teardown():
    Session.registry.clear()
