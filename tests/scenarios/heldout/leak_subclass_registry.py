"""A registry filled by __init_subclass__: a new handler class is built on every call."""

EXPECT = "leak"
HOLDER = "attribute _registry"  # what keeps the leaked objects alive
DIAGNOSIS = "growing_container"
MAX_ITERATIONS = 400


class Handler:
    _registry = []  # noqa: RUF012 - the shared registry is the leak under test

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        Handler._registry.append(cls)


def make_handler(route):
    attrs = {"route": route, "handle": lambda self: route}
    return type(f"Handler_{len(Handler._registry)}", (Handler,), attrs)  # SITE


def step():
    return make_handler("/items").route


def teardown():
    Handler._registry.clear()
