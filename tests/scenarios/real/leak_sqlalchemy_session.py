"""A worker keeps one module-level SQLAlchemy ``Session`` and adds an ``AuditEvent`` row
per message, meaning to commit "in batches later" - which never happens. A pending
object stays strongly referenced by the session's pending collection (``session.new``)
until it is flushed, committed, expunged or the session closed, so every message's ORM
object and instance state pile up on the long-lived session (about 1.1 KB per message)."""

import itertools

from sqlalchemy import Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

LIBRARIES = ("sqlalchemy",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +12.15/+13.00/+13.00/+12.48, "
    "C heap +27.8/+29.5/+59.0/+0.0 B, RSS +1049/+1104/+1170/+1003 B"
)
HOLDER = "_new"
DIAGNOSIS = "kept_on_object"

_ids = itertools.count()


class Base(DeclarativeBase):
    pass


class AuditEvent(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))


_state = {}


def setup():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    _state["engine"] = engine
    _state["session"] = Session(engine)


def step():
    n = next(_ids)
    session = _state["session"]
    session.add(AuditEvent(message_id=n, action=("view", "edit", "share")[n % 3]))  # SITE
    return n


def teardown():
    if "session" in _state:
        _state.pop("session").close()
        _state.pop("engine").dispose()
