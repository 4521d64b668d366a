"""A log writer buffering encoded lines in a BytesIO, flushed and reset every 25 iterations."""

import io

EXPECT = "plateau|flat"
MAX_ITERATIONS = 600


class BufferedWriter:
    def __init__(self):
        self.buffer = io.BytesIO()
        self.pending = 0
        self.flushed_bytes = 0

    def write(self, n):
        self.buffer.write(f"line {n:06d} ".encode() * 60)
        self.pending += 1
        if self.pending == 25:
            self.flushed_bytes += len(self.buffer.getvalue())
            self.buffer = io.BytesIO()
            self.pending = 0


def setup():
    return BufferedWriter()


def step(writer):
    writer.write(writer.flushed_bytes % 1000 + writer.pending)
