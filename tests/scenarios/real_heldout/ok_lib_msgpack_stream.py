"""A metrics relay packs each batch of samples with a reusable ``msgpack.Packer``, then
decodes the byte stream the way the receiving side does, with a streaming ``Unpacker`` that
is fed in network-sized chunks. Buffers are per-batch and released: correct code."""

import random

import msgpack

LIBRARIES = ("msgpack",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def setup():
    return {"rng": random.Random(4), "packer": msgpack.Packer(), "seq": 0}


def step(state):
    rng, packer = state["rng"], state["packer"]
    chunks = []
    for _ in range(40):
        state["seq"] += 1
        sample = {
            "seq": state["seq"],
            "host": f"web-{rng.randint(1, 64)}",
            "cpu": rng.random(),
            "mem": rng.randint(10**8, 10**9),
            "tags": ["prod", rng.choice(["eu", "us"])],
            "raw": bytes(rng.getrandbits(8) for _ in range(16)),
        }
        chunks.append(packer.pack(sample))
    stream = b"".join(chunks)
    unpacker = msgpack.Unpacker(raw=False, max_buffer_size=1 << 20)
    total_cpu, count = 0.0, 0
    for start in range(0, len(stream), 1400):
        unpacker.feed(stream[start : start + 1400])
        for sample in unpacker:
            total_cpu += sample["cpu"]
            count += 1
    return count, total_cpu / count
