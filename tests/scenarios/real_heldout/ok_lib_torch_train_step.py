"""A training loop for a small MLP classifier on CPU with PyTorch: each step draws a batch,
runs zero_grad, forward, loss, backward and the optimizer step, and logs ``loss.item()``
(a float, not the graph-holding tensor). Nothing outlives the step but the model and
optimizer state: correct code."""

import torch
from torch import nn

LIBRARIES = ("torch",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.06/+0.00/+0.00/+0.00, C heap +2.5/+0.0/+0.0/-0.0 B, RSS +3/+0/+0/+0 B"
)

_saved_threads = None


def setup():
    global _saved_threads
    _saved_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)
    )
    data = torch.randn(1024, 32, generator=gen)
    labels = torch.randint(0, 10, (1024,), generator=gen)
    return {
        "model": model,
        "opt": torch.optim.Adam(model.parameters(), lr=1e-3),
        "loss_fn": nn.CrossEntropyLoss(),
        "data": data,
        "labels": labels,
        "gen": gen,
        "history": [],
    }


def step(state):
    idx = torch.randint(0, state["data"].shape[0], (64,), generator=state["gen"])
    xb, yb = state["data"][idx], state["labels"][idx]
    model, opt = state["model"], state["opt"]
    model.train()
    opt.zero_grad(set_to_none=True)
    loss = state["loss_fn"](model(xb), yb)
    loss.backward()
    opt.step()
    history = state["history"]
    history.append(loss.item())
    if len(history) > 100:  # a running window for the progress bar
        del history[0]
    return history[-1]


def teardown():
    if _saved_threads is not None:
        torch.set_num_threads(_saved_threads)
