"""A deep leak through methods: Service -> Parser -> Tokenizer -> an interning table that grows."""

EXPECT = "leak"
HOLDER = "global _INTERNED"  # what keeps the leaked objects alive
DIAGNOSIS = "growing_container"
MAX_ITERATIONS = 400

_INTERNED = {}


class Tokenizer:
    def tokenize(self, text):
        return [self._intern(word) for word in text.split()]

    def _intern(self, word):
        token = _INTERNED.get(word)
        if token is None:
            token = _INTERNED[word] = ("tok", word, [word] * 12)  # SITE
        return token


class Parser:
    def __init__(self):
        self.tokenizer = Tokenizer()

    def parse(self, text):
        return len(self.tokenizer.tokenize(text))


class Service:
    def __init__(self):
        self.parser = Parser()
        self.requests = 0

    def handle(self):
        self.requests += 1
        # Every request carries a few never-seen-before words (ids), so the table grows.
        return self.parser.parse(f"get item {self.requests * 3} of {self.requests * 3 + 1}")


def setup():
    return Service()


def step(service):
    return service.handle()


def teardown():
    _INTERNED.clear()
