"""The SQL read model on a real SQLite file (and PostgreSQL when TEST_DATABASE_URL names one)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from temporalio.testing import ActivityEnvironment

from activities.db import CaseEventRecord, CaseRecord, JournalRecord
from activities.projection import Projection
from activities.records import EventRecord, ProjectionBatch, case_row
from domain.case import commands as c
from domain.case.decide import decide, open_case
from domain.case.evolve import evolve, initial_state
from domain.case.journal import describe
from domain.policy import CasePolicy
from tests.factories import opening
from workflows.ids import case_children

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _batches(case_id: str) -> list[ProjectionBatch]:
    """Two batches of real events from the domain: opening, then three commands."""
    [opened] = open_case(opening("P-1"), NOW)
    state = initial_state(opened, CasePolicy(), case_children(opened.tenancy_ref, None))  # type: ignore[arg-type]
    records = [_record(opened, state.version)]
    batches = [
        ProjectionBatch(case=case_row(case_id, case_id.split("/")[0], state), events=records)
    ]
    records = []
    for command in [
        c.RecordVulnerabilityAssessment(by="o", factors=("homeless",)),
        c.AddJournalNote(by="o", text="visited"),
        c.RecordComplaint(by="o", summary="repairs"),
    ]:
        for event in decide(state, command, NOW + timedelta(minutes=1)):
            state = evolve(state, event)
            records.append(_record(event, state.version))
    batches.append(
        ProjectionBatch(case=case_row(case_id, case_id.split("/")[0], state), events=records)
    )
    return batches


def _row(case_id: str, state: Any) -> Any:
    return case_row(case_id, case_id.split("/")[0], state)


def _record(event: object, seq: int) -> EventRecord:
    kind, outcome, text = describe(event)  # type: ignore[arg-type]
    return EventRecord(
        seq=seq,
        type=type(event).__name__,
        at=event.at,
        author=event.by,  # type: ignore[attr-defined]
        journal_kind=kind,
        journal_outcome=outcome,
        journal_text=text,
        data=to_jsonable_python(event),
    )


def _counts(engine: Engine, case_id: str) -> tuple[int, int]:
    with Session(engine) as s:
        events = s.scalar(
            select(func.count())
            .select_from(CaseEventRecord)
            .where(CaseEventRecord.case_id == case_id)
        )
        journal = s.scalar(
            select(func.count()).select_from(JournalRecord).where(JournalRecord.case_id == case_id)
        )
    return events or 0, journal or 0


def test_retrying_a_projection_never_duplicates_a_row(db: Engine) -> None:
    project = Projection(db).project_case
    env = ActivityEnvironment()
    first, second = _batches("uc-case-P-1/run-1")
    for batch in (first, second, second, first, second):  # retries and a replay out of order
        env.run(project, batch)
    assert _counts(db, "uc-case-P-1/run-1") == (5, 5)
    with Session(db) as s:
        row = s.get(CaseRecord, "uc-case-P-1/run-1")
        assert row is not None
        # An older batch replayed late never moves the case row backwards.
        assert row.version == 5 and row.vulnerability_tier == "tier_1"
        kinds = s.scalars(
            select(JournalRecord.kind)
            .where(JournalRecord.case_id == "uc-case-P-1/run-1")
            .order_by(JournalRecord.seq)
        ).all()
    assert kinds == ["case_opened", "vulnerability_assessment", "note", "complaint", "task"]


def test_event_payloads_are_stored_as_json(db: Engine) -> None:
    first, second = _batches("uc-case-P-2/run-1")
    env = ActivityEnvironment()
    env.run(Projection(db).project_case, first)
    env.run(Projection(db).project_case, replace(second, events=second.events[:1]))
    with Session(db) as s:
        data = s.scalars(
            select(CaseEventRecord.data)
            .where(CaseEventRecord.seq == 2)
            .where(CaseEventRecord.case_id == "uc-case-P-2/run-1")
        ).one()
    assert data["factors"] == ["homeless"] and data["tier"] == "tier_1"


def _with_nul(record: EventRecord) -> EventRecord:
    """An event as an older release may have accepted it: a NUL byte in its text."""
    return replace(record, journal_text="visited\x00", data={**record.data, "text": "visited\x00"})


def test_an_unstorable_event_is_set_aside_and_the_rest_land_in_order(postgres_url: str) -> None:
    """PostgreSQL text cannot hold NUL: that one event comes back set aside (class and
    SQLSTATE only), every other event and the case row are stored, and a retry after a
    fix stores it without touching the others."""
    from activities.db import make_engine, migrate

    migrate(postgres_url)
    engine = make_engine(postgres_url)
    try:
        first, second = _batches("uc-case-P-3/run-1")
        bad = replace(
            second, events=[second.events[0], _with_nul(second.events[1]), *second.events[2:]]
        )
        env = ActivityEnvironment()
        env.run(Projection(engine).project_case, first)
        result = env.run(Projection(engine).project_case, bad)
        assert [(s.seq, s.type) for s in result.set_aside] == [(3, "JournalNoteAdded")]
        assert (
            "\x00" not in result.set_aside[0].reason and "visited" not in result.set_aside[0].reason
        )
        assert result.stored == 3 and result.row_stored
        with Session(engine) as s:
            seqs = s.scalars(
                select(JournalRecord.seq)
                .where(JournalRecord.case_id == "uc-case-P-3/run-1")
                .order_by(JournalRecord.seq)
            ).all()
            row = s.get(CaseRecord, "uc-case-P-3/run-1")
        assert seqs == [1, 2, 4, 5] and row is not None and row.version == 5
        # After a fix (here: the value made storable), the retry stores only that event.
        fixed = replace(second, events=[second.events[1]])
        again = env.run(Projection(engine).project_case, fixed)
        assert again.set_aside == [] and _counts(engine, "uc-case-P-3/run-1") == (5, 5)
    finally:
        engine.dispose()


def test_a_case_row_the_database_refuses_is_reported_and_its_events_still_land(
    postgres_url: str,
) -> None:
    from activities.db import make_engine, migrate

    migrate(postgres_url)
    engine = make_engine(postgres_url)
    try:
        first, _ = _batches("uc-case-P-4/run-1")
        bad = replace(first, case=replace(first.case, address="1 Flat\x00"))
        result = ActivityEnvironment().run(Projection(engine).project_case, bad)
        assert not result.row_stored and result.set_aside == [] and result.stored == 1
        assert _counts(engine, "uc-case-P-4/run-1") == (1, 1)
    finally:
        engine.dispose()
