"""A search endpoint builds a SQLAlchemy Core ``select()`` from whichever of seven optional
filters the request sets (so up to 128 distinct statement shapes), runs it on an in-memory
SQLite engine inside ``with engine.connect()``. SQLAlchemy's compiled-statement cache fills
as new shapes appear and stays bounded (LRU): a slow cache, correct code."""

import random

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    select,
)
from sqlalchemy.pool import StaticPool

LIBRARIES = ("sqlalchemy",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 20000 iterations (gc every 200); per-window growth per iteration: "
    "blocks +1.38/-0.01/-0.00/-0.00, C heap +42.5/+0.1/+0.2/+0.1 B, RSS +172/+0/+1/+1 B"
)

_meta = MetaData()
_products = Table(
    "products",
    _meta,
    Column("id", Integer, primary_key=True),
    Column("name", String(40)),
    Column("brand", String(20)),
    Column("color", String(12)),
    Column("price", Float),
    Column("stock", Integer),
    Column("rating", Float),
)
_engine = None


def setup():
    global _engine
    _engine = create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    _meta.create_all(_engine)
    rng = random.Random(89)
    with _engine.begin() as conn:
        conn.execute(
            insert(_products),
            [
                {
                    "name": f"product {k}",
                    "brand": rng.choice(("acme", "globex", "initech")),
                    "color": rng.choice(("red", "blue", "black")),
                    "price": round(rng.uniform(1, 500), 2),
                    "stock": rng.randint(0, 50),
                    "rating": round(rng.uniform(1, 5), 1),
                }
                for k in range(500)
            ],
        )
    return {"rng": rng}


def step(state):
    rng = state["rng"]
    p = _products.c
    filters = (
        lambda: p.brand == rng.choice(("acme", "globex", "initech")),
        lambda: p.color == rng.choice(("red", "blue", "black")),
        lambda: p.price >= rng.uniform(1, 200),
        lambda: p.price <= rng.uniform(200, 500),
        lambda: p.stock > 0,
        lambda: p.rating >= rng.choice((3.0, 4.0, 4.5)),
        lambda: p.name.like(f"product {rng.randint(1, 9)}%"),
    )
    query = select(p.id, p.name, p.price).order_by(p.price).limit(20)
    for make_filter in filters:
        if rng.random() < 0.5:
            query = query.where(make_filter())
    with _engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def teardown():
    global _engine
    if _engine is not None:
        _meta.drop_all(_engine)
        _engine.dispose()
        _engine = None
