"""The SQL read model: cases, their events and their journal. SQLAlchemy 2 style."""

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    ForeignKey,
    Numeric,
    String,
    Text,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), Decimal: Numeric(12, 2)}


class CaseRecord(Base):
    __tablename__ = "cases"

    # A workflow id can carry a later case for the same tenancy once one completes,
    # so rows are keyed by the id and the first run of the case's chain.
    case_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(80), index=True)
    tenancy_ref: Mapped[str] = mapped_column(String(40), index=True)
    resident_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(400))
    opening_reason: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    arrears_band: Mapped[str] = mapped_column(String(20))
    vulnerability_tier: Mapped[str] = mapped_column(String(20))
    balance: Mapped[Decimal]
    monthly_rent: Mapped[Decimal]
    escalated: Mapped[bool]
    next_action_due: Mapped[datetime | None]
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int]


class CaseEventRecord(Base):
    __tablename__ = "case_events"

    case_id: Mapped[str] = mapped_column(String(120), ForeignKey("cases.case_id"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class JournalRecord(Base):
    __tablename__ = "journal_entries"

    case_id: Mapped[str] = mapped_column(String(120), ForeignKey("cases.case_id"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    author: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: errors must never echo personal data into failures or logs.
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn: Any, _record: Any) -> None:
            # WAL lets the back office read while the worker writes.
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def migrate(url: str) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
    cfg = Config()
    cfg.set_main_option("script_location", str(root / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")
