"""Each request runs a small asyncio program with asyncio.run(): three lookups fan out with
asyncio.gather and a context variable carries the request id. Every loop is closed by
asyncio.run and nothing outlives it, so memory stays flat."""

import asyncio
import contextvars

LIBRARIES = ("asyncio", "contextvars")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 20000 iterations (gc every 200); per-window growth per iteration: "
    "blocks +0.08/+0.00/+0.00/+0.00, C heap +0.0/+109.0/+0.0/+0.0 B, RSS +6/+109/+0/+0 B"
)

_request_id = contextvars.ContextVar("request_id", default=None)

_INVENTORY = {f"sku-{i:03d}": {"stock": i % 17, "price": 3 + i % 11} for i in range(200)}


async def fetch_stock(sku):
    await asyncio.sleep(0)
    return sku, _INVENTORY[sku]["stock"]


async def fetch_price(sku):
    await asyncio.sleep(0)
    return _INVENTORY[sku]["price"]


async def audit(sku):
    await asyncio.sleep(0)
    return f"{_request_id.get()}:{sku}"


async def handle(request_id, sku):
    _request_id.set(request_id)
    (name, stock), price, trail = await asyncio.gather(
        fetch_stock(sku), fetch_price(sku), audit(sku)
    )
    return {"sku": name, "available": stock > 0, "total": stock * price, "trail": trail}


def setup():
    return {"n": 0}


def step(state):
    state["n"] += 1
    n = state["n"]
    result = asyncio.run(handle(f"req-{n}", f"sku-{n % 200:03d}"))
    return result["total"]
