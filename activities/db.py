"""The SQL read model: cases, their events and their journal; Internal Process
Reviews (anonymised), their narratives, agreed activities and ACSSL shares.
SQLAlchemy 2 style."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from activities.owner_only import private_file


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


class IprRecord(Base):
    """One IPR, anonymised (activities/ipr_records.py IprRow): no name, date of birth,
    NI number or address, so the annual publication built from it cannot leak them."""

    __tablename__ = "iprs"

    # "<workflow id>/<first run id>": stable across continue-as-new.
    ipr_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    stage: Mapped[str] = mapped_column(String(40))
    accepted: Mapped[bool | None]
    criteria: Mapped[str] = mapped_column(String(10))
    external_scrutiny: Mapped[bool]
    scrutiny_kinds: Mapped[list[str]] = mapped_column(JSON)
    # The case's primary service lines (referral, screening); never a finding's line.
    service_lines: Mapped[list[str]] = mapped_column(JSON)
    # The line of each finding (learning, agreed activities, outcomes), each once.
    finding_lines: Mapped[list[str]] = mapped_column(JSON, server_default="[]")
    learning_identified: Mapped[bool | None]
    referred_on: Mapped[date]
    closed_on: Mapped[date | None]
    # "2021-22": set once a review is completed (closed), for the annual publication.
    reporting_year: Mapped[str | None] = mapped_column(String(7), index=True)
    activities_total: Mapped[int]
    activities_overdue: Mapped[int]
    version: Mapped[int]


class IprNarrativeRecord(Base):
    """Learning identified, an agreed activity or a learning outcome, anonymised."""

    __tablename__ = "ipr_narratives"

    ipr_id: Mapped[str] = mapped_column(String(120), ForeignKey("iprs.ipr_id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # learning, activity, outcome
    seq: Mapped[int] = mapped_column(primary_key=True)
    service_line: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)


class IprActivityRecord(Base):
    __tablename__ = "ipr_activities"

    ipr_id: Mapped[str] = mapped_column(String(120), ForeignKey("iprs.ipr_id"), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "activity-<n>"
    service_line: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20))
    escalations: Mapped[int]
    assured_on: Mapped[date | None]


class IprAcsslShareRecord(Base):
    """A referral that did not meet the criteria, shared with the Advanced Customer
    Support Senior Leaders so its learning is not lost (docs/rules.md#ipr-criteria). No foreign key:
    the share may be recorded before the IPR's first projection."""

    __tablename__ = "ipr_acssl_shares"

    ipr_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    shared_on: Mapped[date]
    service_lines: Mapped[list[str]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON)


class DataKeyRecord(Base):
    """A subject's data key, wrapped by its domain's key (infra/keystore.py). Erasure
    deletes ``wrapped``: every payload sealed with the key is then unreadable."""

    __tablename__ = "data_keys"
    __table_args__ = (UniqueConstraint("domain", "subject", "generation"),)

    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    domain: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(120))
    generation: Mapped[int]
    wrapped: Mapped[str | None] = mapped_column(Text)
    wrapping_key_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]


class ErasureRecord(Base):
    """Who erased whose data, when and why (docs/rules.md#personal-data, audit)."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    domain: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(120), index=True)
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    keys_destroyed: Mapped[int]
    rows_scrubbed: Mapped[int]


class CodecAuditRecord(Base):
    """Every decode (and encode) through the codec server: who, where, how many
    payloads; never their content."""

    __tablename__ = "codec_audit"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    operator: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(10))
    namespace: Mapped[str] = mapped_column(String(120))
    workflow_id: Mapped[str | None] = mapped_column(String(200))
    payloads: Mapped[int]
    domains: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(200))


class FileBlobRecord(Base):
    """A stored file's content, sealed with its subject's data key (activities/files/),
    once per subject and SHA-256 of the plaintext. The database backend's blobs; with
    object storage the sealed bytes are objects instead and this table stays empty."""

    __tablename__ = "file_blobs"

    domain: Mapped[str] = mapped_column(String(8), primary_key=True)
    # "" for content that belongs to no subject (sealed with the domain's key).
    subject: Mapped[str] = mapped_column(String(120), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class FileEntryRecord(Base):
    """The file store's index: (owner, name) -> content hash, for both backends. An
    owner is a case id (forms), a submission id (the outbox) or an IPR id (letters)."""

    __tablename__ = "file_entries"
    __table_args__ = (Index("ix_file_entries_subject", "domain", "subject"),)

    owner: Mapped[str] = mapped_column(String(240), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # form, outbox, letter
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    domain: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    created_at: Mapped[datetime]


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        database = url.removeprefix("sqlite:///").split("?", 1)[0]
        if database and database != ":memory:" and not database.startswith("file:"):
            # 0600 in a 0700 folder before SQLite opens it (its -wal and -shm files take
            # the database's mode): the read model holds personal data.
            private_file(Path(database))
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


def ensure_schema(url: str) -> None:
    """Migrate only when the newest table is missing: cheap for every client call."""
    from sqlalchemy import inspect

    engine = make_engine(url)
    try:
        current = inspect(engine).has_table("work_available_runs")
    finally:
        engine.dispose()
    if not current:
        migrate(url)


def migrate(url: str) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
    cfg = Config()
    cfg.set_main_option("script_location", str(root / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")


# The reporting tables live on the same metadata (Alembic's env reads Base.metadata).
from activities.reporting import tables as _reporting_tables  # noqa: E402,F401
