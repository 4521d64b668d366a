"""A training loop sums its loss for the epoch report with ``total_loss += loss`` instead
of ``loss.item()``. The running total is then a tensor that requires grad, and each
addition links the new batch's autograd graph onto it: the graph nodes that every
batch's forward pass built stay alive in libtorch's C++ heap for as long as the total
does (about 4.9 KB per batch)."""

import torch
from torch import nn

LIBRARIES = ("torch",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.01/-0.00/+0.00/+0.00, "
    "C heap +4706.0/+4898.6/+4898.4/+4703.0 B, RSS +4221/+5292/+5299/+5082 B"
)
DIAGNOSIS = "autograd_history"

_state = {}


def setup():
    _state["threads"] = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny batches: one intra-op thread is fastest
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1))
    _state.update(
        model=model,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
        loss_fn=nn.MSELoss(),
        batches=[(torch.randn(8, 16), torch.randn(8, 1)) for _ in range(16)],
        total_loss=0.0,
        n=0,
    )


def step():
    s = _state
    x, y = s["batches"][s["n"] % len(s["batches"])]
    s["n"] += 1
    s["optimizer"].zero_grad()
    loss = s["loss_fn"](s["model"](x), y)  # SITE
    loss.backward()
    s["optimizer"].step()
    s["total_loss"] += loss  # should be loss.item()
    return s["n"]


def teardown():
    if "threads" in _state:
        torch.set_num_threads(_state["threads"])
    _state.clear()
