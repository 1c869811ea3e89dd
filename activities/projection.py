"""Projects a case's events and journal into SQL. Idempotent: rows are keyed by
(case id, event sequence), so a retried or replayed batch inserts nothing twice,
and the case row only moves forward in version.

An outage raises (the workflow's projector retries the batch); an event whose
values the database refuses is stored without and reported back as set aside, so
one bad value never holds the others (docs/reliability.md)."""

import contextlib
from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session
from temporalio import activity

from activities.db import CaseEventRecord, CaseRecord, JournalRecord
from activities.records import EventRecord, ProjectionBatch, ProjectionResult, SetAside
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
        try:
            with Session(self._engine) as session, session.begin():
                session.execute(upsert)
                if events:
                    self._insert_rows(session, events, journal)
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
            result = self._one_by_one(upsert, fallback, batch.events, events, journal)
        log.info(
            "case projected",
            events=result.stored,
            set_aside=[s.seq for s in result.set_aside],
            row_stored=result.row_stored,
            version=row["version"],
        )
        return result

    def _insert_rows(self, session: Session, events: list[Any], journal: list[Any]) -> None:
        session.execute(
            self._insert(CaseEventRecord.__table__).values(events).on_conflict_do_nothing()
        )
        session.execute(
            self._insert(JournalRecord.__table__).values(journal).on_conflict_do_nothing()
        )

    def _one_by_one(
        self,
        upsert: Any,
        fallback: Any,
        records: list[EventRecord],
        events: list[Any],
        journal: list[Any],
    ) -> ProjectionResult:
        set_aside: list[SetAside] = []
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
                        self._insert_rows(session, [event], [entry])
                except UNSTORABLE as error:
                    set_aside.append(SetAside(record.seq, record.type, _reason(error)))
        return ProjectionResult(
            stored=len(records) - len(set_aside), set_aside=set_aside, row_stored=row_stored
        )


# Refusals of a value (the row is at fault), as opposed to an outage (connection,
# timeout, lock), which propagates so the activity is retried.
UNSTORABLE = (DataError, IntegrityError)


def _reason(error: Exception) -> str:
    """The error's class and SQLSTATE only: a driver's message may quote the value."""
    orig = getattr(error, "orig", None) or error
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return f"{type(orig).__name__}" + (f" (SQLSTATE {code})" if code else "")
