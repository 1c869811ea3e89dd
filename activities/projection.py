"""Projects a case's events and journal into SQL. Idempotent: rows are keyed by
(case id, event sequence), so a retried or replayed batch inserts nothing twice,
and the case row only moves forward in version.

An outage raises (the workflow's projector retries the batch); an event whose
values the database refuses is stored without and reported back as set aside, so
one bad value never holds the others (docs/reliability.md)."""

import contextlib
from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session
from temporalio import activity

from activities.db import CaseEventRecord, CaseRecord, JournalRecord
from activities.records import EventRecord, ProjectionBatch, ProjectionResult, SetAside
from activities.reporting.events import apply_events
from infra import metrics
from infra.logs import get_logger

log = get_logger(__name__)


class Projection:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._insert: Any = (
            postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        )

    @activity.defn(name="project_case")
    def project_case(self, batch: ProjectionBatch) -> ProjectionResult:
        row = asdict(batch.case)
        # A batch without the resident's identity (every batch after the opening one)
        # leaves the row's name and address as they are.
        unchanged = {k for k in ("resident_name", "address") if row[k] is None}
        cases = CaseRecord.__table__
        upsert = self._insert(cases).values(
            **{k: ("" if k in unchanged else v) for k, v in row.items()}
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=[cases.c.case_id],
            set_={k: upsert.excluded[k] for k in row if k != "case_id" and k not in unchanged},
            where=cases.c.version < upsert.excluded.version,
        )
        events = [
            {"case_id": row["case_id"], "seq": e.seq, "type": e.type, "at": e.at, "data": e.data}
            for e in batch.events
        ]
        journal = [
            {
                "case_id": row["case_id"],
                "seq": e.seq,
                "at": e.at,
                "author": e.author,
                "kind": e.journal_kind,
                "outcome": e.journal_outcome,
                "text": e.journal_text,
            }
            for e in batch.events
        ]
        new: list[Any] = []
        counts: dict[str, dict[str, int]] = {}
        try:
            with Session(self._engine) as session, session.begin():
                session.execute(upsert)
                if events:
                    new = self._insert_rows(session, events, journal)
                    counts = self._counts(session, row["case_id"], events, new)
                    # The reporting tables, in the same transaction (activities/reporting).
                    apply_events(session, row["case_id"], batch.events)
            result = ProjectionResult(stored=len(events), set_aside=[])
        except UNSTORABLE:
            # Something in the batch the read model cannot hold (a NUL byte in
            # PostgreSQL text, a value out of a column's range): store what it can,
            # one row at a time, and hand the rest back to be set aside.
            cases = CaseRecord.__table__
            fallback = (
                self._insert(cases)
                .values(**{**row, "resident_name": "", "address": ""})
                .on_conflict_do_nothing()
            )
            result, new, counts = self._one_by_one(upsert, fallback, batch.events, events, journal)
        if new:
            _emit(counts, min(e["at"] for e in new))
        log.info(
            "case projected",
            events=result.stored,
            set_aside=[s.seq for s in result.set_aside],
            row_stored=result.row_stored,
            version=row["version"],
        )
        return result

    def _insert_rows(self, session: Session, events: list[Any], journal: list[Any]) -> list[Any]:
        """Stores the events and their journal entries; returns the events not held
        before (a retried batch's are: they count towards no metric again)."""
        table = CaseEventRecord.__table__
        inserted = session.execute(
            self._insert(table).values(events).on_conflict_do_nothing().returning(table.c.seq)
        )
        seqs = set(inserted.scalars())
        session.execute(
            self._insert(JournalRecord.__table__).values(journal).on_conflict_do_nothing()
        )
        return [e for e in events if e["seq"] in seqs]

    @staticmethod
    def _counts(
        session: Session, case_id: str, events: list[Any], new: list[Any]
    ) -> dict[str, dict[str, int]]:
        """What the new events add to the engine's counters (infra/metrics.py). An
        escalation is told from a missed deadline by its task's opening, in the batch or
        (a task opened by an earlier batch) in the read model."""
        escalated = {e["data"].get("task_id") for e in new if e["type"] == "TaskEscalated"}
        if not escalated:
            return metrics.count_stored(new, {})
        openings = [e["data"] for e in events if e["type"] == "TaskOpened"]
        if not escalated <= {o.get("task_id") for o in openings}:
            openings += session.scalars(
                select(CaseEventRecord.data).where(
                    CaseEventRecord.case_id == case_id, CaseEventRecord.type == "TaskOpened"
                )
            )
        opened_at = {
            o["task_id"]: (str(o.get("kind")), str(o.get("at")))
            for o in openings
            if o.get("task_id") in escalated
        }
        return metrics.count_stored(new, opened_at)

    def _one_by_one(
        self,
        upsert: Any,
        fallback: Any,
        records: list[EventRecord],
        events: list[Any],
        journal: list[Any],
    ) -> tuple[ProjectionResult, list[Any], dict[str, dict[str, int]]]:
        set_aside: list[SetAside] = []
        new: list[Any] = []
        row_stored = True
        with Session(self._engine) as session, session.begin():
            try:
                with session.begin_nested():
                    session.execute(upsert)
            except UNSTORABLE as error:
                row_stored = False
                log.warning("case row not stored", reason=_reason(error))
                # The events need their case row: a first projection keeps one without
                # the resident's identity (the next batch that can be stored fills it).
                with contextlib.suppress(*UNSTORABLE), session.begin_nested():
                    session.execute(fallback)
            for record, event, entry in zip(records, events, journal, strict=True):
                try:
                    with session.begin_nested():
                        new += self._insert_rows(session, [event], [entry])
                except UNSTORABLE as error:
                    set_aside.append(SetAside(record.seq, record.type, _reason(error)))
                    continue
                try:
                    with session.begin_nested():
                        apply_events(session, event["case_id"], [record])
                except UNSTORABLE as error:
                    # The event row stays; its reporting rows are set aside with it, so
                    # the case sends it again later (storing the event is then a no-op).
                    set_aside.append(
                        SetAside(record.seq, record.type, f"reporting: {_reason(error)}")
                    )
            counts = self._counts(session, events[0]["case_id"], events, new) if new else {}
        result = ProjectionResult(
            stored=len(records) - len(set_aside), set_aside=set_aside, row_stored=row_stored
        )
        return result, new, counts


# Refusals of a value (the row is at fault), as opposed to an outage (connection,
# timeout, lock), which propagates so the activity is retried.
UNSTORABLE = (DataError, IntegrityError)


def _reason(error: Exception) -> str:
    """The error's class and SQLSTATE only: a driver's message may quote the value."""
    orig = getattr(error, "orig", None) or error
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return f"{type(orig).__name__}" + (f" (SQLSTATE {code})" if code else "")


def _emit(counts: dict[str, dict[str, int]], oldest: Any) -> None:
    """Adds what a batch stored to the worker's metrics (infra/metrics.py)."""
    meter = activity.metric_meter()
    labels = {"workflow_type": "UCCase"}
    for name, by_kind in counts.items():
        counter = meter.create_counter(name, metrics.DESCRIPTIONS[name])
        for kind, count in by_kind.items():
            counter.add(count, {**labels, "kind": kind} if kind else labels)
    meter.create_gauge_float(
        metrics.PROJECTION_LAG, metrics.DESCRIPTIONS[metrics.PROJECTION_LAG], "s"
    ).set(metrics.lag_seconds(oldest), labels)
