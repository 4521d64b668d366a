"""An object pool that grows to 24 buffers over the first 24 iterations, then only reuses them."""

EXPECT = "plateau"
MAX_ITERATIONS = 600


class Pool:
    def __init__(self, limit):
        self.limit = limit
        self.free = []
        self.created = 0

    def acquire(self):
        if self.free:
            return self.free.pop()
        self.created += 1
        return bytearray(4096)

    def release(self, buf):
        if len(self.free) < self.limit:
            self.free.append(buf)


class Server:
    def __init__(self):
        self.pool = Pool(24)
        self.held = []
        self.calls = 0

    def handle(self):
        self.calls += 1
        # The number of buffers in flight ramps up to 24, like connections under load.
        want = min(self.calls, 24)
        self.held = [self.pool.acquire() for _ in range(want)]
        for buf in self.held:
            buf[0] = self.calls & 0xFF
        for buf in self.held:
            self.pool.release(buf)
        self.held = []


def setup():
    return Server()


def step(server):
    server.handle()
