"""A bulk order-import API validates each incoming JSON body (four orders) with pydantic
(nested models, enums, constrained fields, a field validator) and serializes each accepted
order back to JSON. The bodies carry ever-different customer names, SKUs and amounts, so
pydantic-core's bounded string cache fills and then stays put; nothing keeps the models:
correct code."""

import datetime as dt
import enum
import json
import random

from pydantic import BaseModel, Field, field_validator

LIBRARIES = ("pydantic",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +11.53/+0.83/+0.01/+0.00, C heap +5.2/+0.0/+0.0/+0.4 B, RSS +796/+59/+3/+0 B"
)


class Currency(str, enum.Enum):
    EUR = "EUR"
    USD = "USD"
    GBP = "GBP"


class Line(BaseModel):
    sku: str = Field(min_length=3, max_length=32)
    quantity: int = Field(gt=0, le=1000)
    unit_price: float = Field(ge=0)


class Customer(BaseModel):
    name: str
    email: str
    vip: bool = False

    @field_validator("email")
    @classmethod
    def lower_email(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError("not an e-mail address")
        return value.lower()


class Order(BaseModel):
    order_id: int
    placed_at: dt.datetime
    currency: Currency
    customer: Customer
    lines: list[Line]
    note: str | None = None

    @property
    def total(self) -> float:
        return sum(line.quantity * line.unit_price for line in self.lines)


def _fake_order(rng, order_id):
    n = rng.randint(10_000, 99_999)
    return {
        "order_id": order_id,
        "placed_at": f"2024-03-{1 + order_id % 28:02d}T12:{order_id % 60:02d}:00Z",
        "currency": rng.choice(["EUR", "USD", "GBP"]),
        "customer": {"name": f"Customer {n}", "email": f"User{n}@Example.com"},
        "lines": [
            {
                "sku": f"SKU-{rng.randint(1, 50_000)}",
                "quantity": rng.randint(1, 5),
                "unit_price": round(rng.uniform(1, 200), 2),
            }
            for _ in range(rng.randint(1, 4))
        ],
    }


def setup():
    return {"rng": random.Random(42), "i": 0}


def step(state):
    state["i"] += 1
    bodies = [json.dumps(_fake_order(state["rng"], 10 * state["i"] + k)) for k in range(4)]
    accepted = []
    for body in bodies:
        order = Order.model_validate_json(body)
        accepted.append((order.total, order.model_dump_json(exclude_none=True)))
    return accepted
