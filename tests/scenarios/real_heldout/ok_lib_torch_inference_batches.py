"""An image-classification service runs a small CNN on CPU under ``torch.no_grad()`` in
eval mode; requests are micro-batched, so the batch size is one of a handful of values
(1, 2, 4, 8, 12, 16). The per-shape kernel and allocator caches warm up for each size and
then stay: correct code."""

import torch
from torch import nn

LIBRARIES = ("torch",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +7.9/+0.0/+0.4/+0.0 B, RSS +0/+0/+0/+0 B"
)

_BATCH_SIZES = (1, 2, 4, 8, 12, 16)
_saved_threads = None


def setup():
    global _saved_threads
    _saved_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 5),
    ).eval()
    gen = torch.Generator().manual_seed(1)
    return {"model": model, "gen": gen, "i": 0}


def step(state):
    state["i"] += 1
    batch = _BATCH_SIZES[(state["i"] * 7) % len(_BATCH_SIZES)]
    images = torch.rand(batch, 3, 32, 32, generator=state["gen"])
    with torch.no_grad():
        probs = torch.softmax(state["model"](images), dim=1)
        labels = probs.argmax(dim=1)
    return labels.tolist(), float(probs.max())


def teardown():
    if _saved_threads is not None:
        torch.set_num_threads(_saved_threads)
