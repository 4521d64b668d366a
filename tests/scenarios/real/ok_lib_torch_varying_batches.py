"""A sequence-regression training loop on CPU with PyTorch where batches come from a
bucketing sampler, so each batch has one of a few (batch, length) shapes. Each step runs
zero_grad, forward (a GRU), MSE loss, backward and the optimizer step and keeps only
``loss.item()``. Per-shape caches warm up for each shape and then stay: correct code."""

import torch
from torch import nn

LIBRARIES = ("torch",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 4600 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.06/+0.00/+0.00/+0.00, C heap +2.2/+0.0/+0.0/-0.0 B, RSS +7/+0/+0/+0 B"
)

_SHAPES = ((8, 12), (16, 8), (4, 20), (12, 16), (6, 24))
_saved_threads = None


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(input_size=6, hidden_size=24, batch_first=True)
        self.head = nn.Linear(24, 1)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out[:, -1]).squeeze(-1)


def setup():
    global _saved_threads
    _saved_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = Regressor()
    return {
        "model": model,
        "opt": torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
        "gen": torch.Generator().manual_seed(3),
        "i": 0,
        "running": 0.0,
    }


def step(state):
    state["i"] += 1
    batch, length = _SHAPES[(state["i"] * 3) % len(_SHAPES)]
    x = torch.randn(batch, length, 6, generator=state["gen"])
    y = x[:, :, 0].mean(dim=1)
    model, opt = state["model"], state["opt"]
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    state["running"] = 0.95 * state["running"] + 0.05 * loss.item()
    return state["running"]


def teardown():
    if _saved_threads is not None:
        torch.set_num_threads(_saved_threads)
