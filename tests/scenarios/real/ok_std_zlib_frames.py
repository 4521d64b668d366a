"""A telemetry uplink compresses each frame of sensor samples with a fresh
zlib.compressobj, checks it with crc32, and also gzip-compresses a daily-style archive
chunk every tenth frame; compressor state is freed with each object, so memory is flat."""

import gzip
import random
import struct
import zlib

LIBRARIES = ("zlib", "gzip", "struct")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def setup():
    rng = random.Random(6)
    # A repetitive signal, as real sensor frames are, so the compressor has work to do.
    wave = [int(1000 + 400 * ((i % 50) / 25 - 1) ** 2 + rng.randint(-5, 5)) for i in range(4096)]
    return {"wave": wave, "n": 0}


def step(state):
    n = state["n"]
    state["n"] = n + 1
    start = (n * 97) % 3584
    samples = state["wave"][start : start + 512]
    raw = struct.pack(f"<I{len(samples)}H", n, *samples)
    comp = zlib.compressobj(level=6, wbits=-15)
    frame = comp.compress(raw) + comp.flush()
    header = struct.pack("<IHI", zlib.crc32(raw), len(raw), len(frame))
    restored = zlib.decompress(frame, wbits=-15)
    assert zlib.crc32(restored) == struct.unpack("<IHI", header)[0]
    if n % 10 == 0:
        archive = gzip.compress(raw * 4, compresslevel=5, mtime=0)
        restored = gzip.decompress(archive)
    return len(header) + len(frame)
