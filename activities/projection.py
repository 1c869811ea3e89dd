"""Projects a case's events and journal into SQL. Idempotent: rows are keyed by
(case id, event sequence), so a retried or replayed batch inserts nothing twice,
and the case row only moves forward in version."""

from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from temporalio import activity

from activities.db import CaseEventRecord, CaseRecord, JournalRecord
from activities.records import ProjectionBatch
from logs import get_logger

log = get_logger(__name__)


class Projection:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._insert: Any = (
            postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        )

    @activity.defn(name="project_case")
    def project_case(self, batch: ProjectionBatch) -> int:
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
        with Session(self._engine) as session, session.begin():
            session.execute(upsert)
            if events:
                session.execute(
                    self._insert(CaseEventRecord.__table__).values(events).on_conflict_do_nothing()
                )
                session.execute(
                    self._insert(JournalRecord.__table__).values(journal).on_conflict_do_nothing()
                )
        log.info("case projected", events=len(events), version=row["version"])
        return len(events)
