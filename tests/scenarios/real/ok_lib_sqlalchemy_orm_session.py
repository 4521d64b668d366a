"""A job queue backed by SQLAlchemy ORM on an in-memory SQLite database: each request opens
a ``Session`` in a ``with`` block, enqueues a job, claims the oldest pending one, marks it
done and deletes finished jobs. Sessions are closed and the table stays small: correct code."""

import datetime as dt

from sqlalchemy import DateTime, Integer, String, create_engine, delete, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import StaticPool

LIBRARIES = ("sqlalchemy",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 40000 iterations (gc every 400); per-window growth per iteration: "
    "blocks +0.00/-0.01/-0.00/-0.01, C heap -0.0/-0.1/-0.1/+0.0 B, RSS +3/+0/+0/+0 B"
)


class Base(DeclarativeBase):
    pass


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created: Mapped[dt.datetime] = mapped_column(DateTime)


_KINDS = ("email", "resize", "report", "webhook")
_engine = None


def setup():
    global _engine
    _engine = create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    Base.metadata.create_all(_engine)
    return {"i": 0, "start": dt.datetime(2024, 1, 1)}


def step(state):
    state["i"] += 1
    i = state["i"]
    with Session(_engine) as session:
        session.add(
            Job(
                kind=_KINDS[i % len(_KINDS)],
                payload=f"user={i % 97};ref={i}",
                created=state["start"] + dt.timedelta(seconds=i),
            )
        )
        session.commit()
        job = session.scalars(
            select(Job).where(Job.status == "pending").order_by(Job.created).limit(1)
        ).first()
        if job is not None:
            job.status = "done"
        session.execute(delete(Job).where(Job.status == "done"))
        session.commit()
        return session.scalar(select(Job.id).order_by(Job.id.desc()).limit(1))


def teardown():
    global _engine
    if _engine is not None:
        _engine.dispose()
        _engine = None
