"""Deadlines never wait on the read model (workflows/projector.py).

On the time-skipping server, `project_case` fails for an hour: the call-back is
escalated on time, `Escalated` is set, a death stops the case's children, and the
read model then catches up with every event exactly once. On PostgreSQL, a case
whose projection can never succeed still escalates on time, and an event the
database refuses is set aside while the rest land, then stored after a fix.
"""

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.db import CaseEventRecord, IprRecord, JournalRecord, make_engine, migrate
from activities.ipr import IprActivities
from activities.ipr_records import IprProjection
from activities.projection import Projection
from activities.records import ProjectionBatch, ProjectionResult
from domain.case import commands as c
from domain.case.model import JournalEntry
from domain.case.view import CaseView
from domain.ipr.model import IprState
from tests.factories import opening
from tests.file_store import store_for
from tests.helpers import arrangement_id, eventually, migration_id, search_attributes
from worker import WORKFLOWS, activities_for
from workflows.ipr import IPR, ipr_workflow_id
from workflows.uc_case import UCCase, case_workflow_id


class FlakyReadModel:
    """The real projection behind a switch: while `down`, every attempt fails as an
    outage would (the connection refused); `poison(text)` makes the database refuse
    any event whose journal text is `text` (a NUL byte, as an older release may have
    let in), until `cure()`."""

    def __init__(self, engine: Engine, files: Path | None = None) -> None:
        self._real = Projection(engine)
        self._ipr = IprActivities(engine, store_for(engine))
        self.down = False
        self.failed = 0
        self.stored: Counter[tuple[str, int]] = Counter()
        self._poison: str | None = None

    def poison(self, text: str) -> None:
        self._poison = text

    def cure(self) -> None:
        self._poison = None

    @activity.defn(name="project_case")
    def project_case(self, batch: ProjectionBatch) -> ProjectionResult:
        if self.down:
            self.failed += 1
            raise ConnectionRefusedError("read model unavailable")
        if self._poison is not None:
            batch = ProjectionBatch(
                case=batch.case,
                events=[
                    e
                    if e.journal_text != self._poison
                    else type(e)(**{**e.__dict__, "journal_text": e.journal_text + "\x00"})
                    for e in batch.events
                ],
            )
        result = self._real.project_case(batch)
        refused = {s.seq for s in result.set_aside}
        for event in batch.events:
            if event.seq not in refused:
                self.stored[(batch.case.case_id, event.seq)] += 1
        return result

    @activity.defn(name="project_ipr")
    def project_ipr(self, projection: IprProjection) -> int:
        if self.down:
            self.failed += 1
            raise ConnectionRefusedError("read model unavailable")
        return self._ipr.project_ipr(projection)


@asynccontextmanager
async def _worker(
    env: WorkflowEnvironment, read_model: FlakyReadModel, engine: Engine, files: Path
) -> AsyncIterator[str]:
    task_queue = f"outage-{uuid.uuid4()}"
    flaky = ("project_case", "project_ipr")
    others = [a for a in activities_for(engine, files=files) if a.__name__ not in flaky]
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[read_model.project_case, read_model.project_ipr, *others],
        activity_executor=ThreadPoolExecutor(max_workers=4),
    ):
        yield task_queue


async def _open(env: WorkflowEnvironment, task_queue: str, **facts: Any) -> WorkflowHandle:
    ref = f"O-{uuid.uuid4().hex[:10]}"
    return await env.client.start_workflow(
        UCCase.run, opening(ref, **facts), id=case_workflow_id(ref), task_queue=task_queue
    )


async def _view(case: WorkflowHandle) -> CaseView:
    return await case.query("case_view", result_type=CaseView)


async def _journal(case: WorkflowHandle) -> list[JournalEntry]:
    return await case.query("journal", result_type=list[JournalEntry])


def _read_model_notes(journal: list[JournalEntry]) -> list[str]:
    return [j.outcome for j in journal if j.kind == "read_model"]


def _rows(engine: Engine, case_id: str) -> tuple[list[int], list[int]]:
    with Session(engine) as s:
        events = s.scalars(
            select(CaseEventRecord.seq)
            .where(CaseEventRecord.case_id == case_id)
            .order_by(CaseEventRecord.seq)
        ).all()
        journal = s.scalars(
            select(JournalRecord.seq)
            .where(JournalRecord.case_id == case_id)
            .order_by(JournalRecord.seq)
        ).all()
    return list(events), list(journal)


def _case_id(case: WorkflowHandle) -> str:
    return f"{case.id}/{case.first_execution_run_id}"


async def _until(probe: Callable[[], Any], ok: Callable[[Any], bool]) -> Any:
    return await eventually(probe, ok, attempts=400)


async def test_an_hour_long_outage_delays_only_the_read_model(
    ts_env: WorkflowEnvironment, engine: Engine, files: Path
) -> None:
    read_model = FlakyReadModel(engine)
    async with _worker(ts_env, read_model, engine, files) as task_queue:
        # A case with both children running: a managed payment request and a migration.
        case = await _open(ts_env, task_queue, balance=Decimal("1200.00"))
        now = await ts_env.get_current_time()
        await case.execute_update(
            "record_migration_notice",
            {
                "by": "income-09",
                "notice_issued": now.date().isoformat(),
                "deadline_day": (now.date() + timedelta(days=95)).isoformat(),
            },
        )
        await case.execute_update(
            "request_payment_arrangement", c.RequestPaymentArrangement(by="income-09", kind="mptl")
        )  # type: ignore[arg-type]
        arrangement = ts_env.client.get_workflow_handle(await arrangement_id(case))
        migration = ts_env.client.get_workflow_handle(await migration_id(case))
        # Settled before the outage: the request submitted and the case told, and
        # every event so far in SQL.
        view = await _until(
            lambda: _view(case),
            lambda v: bool(v.arrangements) and v.arrangements[0].status == "submitted",
        )
        version = view.version
        before = await _until(
            lambda: _async(_rows, engine, _case_id(case)),
            lambda rows: rows == (list(range(1, version + 1)), list(range(1, version + 1))),
        )

        # The read model goes down; a call-back falls due ten minutes later.
        read_model.down = True
        now = await ts_env.get_current_time()
        await case.execute_update(
            "request_call_back",
            c.RequestCallBack(by="income-09", due_at=now + timedelta(minutes=10), reason="arrears"),
        )
        await ts_env.sleep(timedelta(minutes=20))
        view = await _view(case)
        assert view.escalated and view.open_tasks[0].escalated_at is not None
        escalated_at = view.open_tasks[0].escalated_at
        assert escalated_at <= now + timedelta(minutes=11)
        attrs = await search_attributes(case)
        assert attrs.get("Escalated") is True
        assert int(attrs.get("ProjectionBehind") or 0) > 0  # the lag is visible
        assert _read_model_notes(await _journal(case)) == ["behind"]

        # A death while it is still down: both children are stopped at once.
        await case.execute_update(
            "record_death",
            {"by": "income-09", "date_of_death": now.date().isoformat(), "informant": "son"},
        )
        # Stopped before it was decided: withdrawn (nothing more is sent for the estate).
        assert await arrangement.result() == "withdrawn"
        await migration.result()
        assert read_model.down and read_model.failed > 0
        assert _rows(engine, _case_id(case)) == before  # nothing reached SQL meanwhile

        # An hour in, the read model is back: it catches up (at the next round, within
        # the hour), each event once.
        await ts_env.sleep(timedelta(minutes=45))
        read_model.down = False
        await ts_env.sleep(timedelta(minutes=65))
        journal = await _until(
            lambda: _journal(case), lambda j: "caught_up" in _read_model_notes(j)
        )
        assert _read_model_notes(journal) == ["behind", "caught_up"]
        version = max(j.seq for j in journal)
        events, entries = await _until(
            lambda: _async(_rows, engine, _case_id(case)),
            lambda rows: rows[0] and rows[0][-1] == version,
        )
        assert events == entries == list(range(1, version + 1))
        mine = {
            seq: n for (case_id, seq), n in read_model.stored.items() if case_id == _case_id(case)
        }
        assert sorted(mine) == list(range(1, version + 1))
        assert set(mine.values()) == {1}, "an event was projected more than once"
        await _until(lambda: search_attributes(case), lambda a: a.get("ProjectionBehind") == 0)
        await case.terminate("test over")  # idle: nothing in hand


async def test_an_ipr_misses_no_target_while_its_read_model_is_down(
    ts_env: WorkflowEnvironment, engine: Engine, files: Path
) -> None:
    read_model = FlakyReadModel(engine, files)
    read_model.down = True
    async with _worker(ts_env, read_model, engine, files) as task_queue:
        ref = f"IPR-{uuid.uuid4().hex[:10]}"
        today = (await ts_env.get_current_time()).date()
        ipr = await ts_env.client.start_workflow(
            IPR.run,
            {
                "reference": ref,
                "referrer": {
                    "name": "Pat Colleague",
                    "role": "Case manager",
                    "email": "pat.colleague@dwp.gov.uk",
                },
                "received_on": today.isoformat(),
                "customer": {
                    "full_name": "Sam Example",
                    "ni_number": "AB123456C",
                    "date_of_birth": "1961-03-03",
                    "address": "1 Example Row, Leeds, LS1 4AB",
                },
                "summary": "UC deductions left no money.",
                "service_lines": ["UC"],
                "policy": {"screening_target_days": 1},
            },
            id=ipr_workflow_id(ref),
            task_queue=task_queue,
        )
        # Nothing reaches SQL, yet the screening target (a day here) is missed on time.
        await ts_env.sleep(timedelta(days=2))
        state = await ipr.query("ipr_view", result_type=IprState)
        assert state.screening_escalated
        kinds = [j["kind"] for j in await _ipr_journal(ipr)]
        assert "target_breached" in kinds and "read_model" in kinds
        attrs = await search_attributes(ipr)
        assert attrs.get("IPRTargetsMissed") == 1 and int(attrs["ProjectionBehind"]) > 0
        assert _ipr_version(engine, ipr) is None
        # Back up: the read model takes the newest version.
        read_model.down = False
        await ts_env.sleep(timedelta(minutes=65))
        await _until(lambda: search_attributes(ipr), lambda a: a.get("ProjectionBehind") == 0)
        state = await ipr.query("ipr_view", result_type=IprState)
        assert _ipr_version(engine, ipr) == state.version
        journal = await _ipr_journal(ipr)
        assert [j["text"] for j in journal if j["kind"] == "read_model"][-1].startswith(
            "the read model caught up"
        )
        await ipr.terminate("test over")


async def _ipr_journal(ipr: WorkflowHandle) -> list[dict[str, Any]]:
    """The journal as `ipr_view` shows it (the state's JSON with its journal)."""
    view: dict[str, Any] = await ipr.query("ipr_view")
    return view["journal"]


def _ipr_version(engine: Engine, ipr: WorkflowHandle) -> int | None:
    with Session(engine) as s:
        return s.scalar(
            select(IprRecord.version).where(
                IprRecord.ipr_id == f"{ipr.id}/{ipr.first_execution_run_id}"
            )
        )


async def _async(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


async def test_on_postgresql_a_case_whose_projection_always_fails_still_escalates_on_time(
    ts_env: WorkflowEnvironment, postgres_url: str, files: Path
) -> None:
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    try:
        # The read model can never take an event: its table is gone.
        with engine.begin() as sql:
            sql.execute(text("ALTER TABLE case_events RENAME TO case_events_gone"))
        async with _worker(ts_env, FlakyReadModel(engine), engine, files) as task_queue:
            case = await _open(ts_env, task_queue)
            now = await ts_env.get_current_time()
            await case.execute_update(
                "request_call_back",
                c.RequestCallBack(by="o-1", due_at=now + timedelta(hours=1), reason="arrears"),
            )
            await ts_env.sleep(timedelta(hours=2))
            view = await _view(case)
            assert view.escalated
            assert view.open_tasks[0].escalated_at <= now + timedelta(hours=1, minutes=1)
            attrs = await search_attributes(case)
            assert attrs.get("Escalated") is True and int(attrs["ProjectionBehind"]) >= 3
            assert _read_model_notes(await _journal(case)) == ["behind"]
            # Mended: it catches up; only then is it ended (on the time-skipping server a
            # workflow ended with work in hand can hold the clock for later tests).
            with engine.begin() as sql:
                sql.execute(text("ALTER TABLE case_events_gone RENAME TO case_events"))
            await ts_env.sleep(timedelta(minutes=65))
            await _until(lambda: _journal(case), lambda j: "caught_up" in _read_model_notes(j))
            await case.terminate("test over")
    finally:
        engine.dispose()


async def test_on_postgresql_an_event_the_database_refuses_is_set_aside_then_stored_after_a_fix(
    ts_env: WorkflowEnvironment, postgres_url: str, files: Path
) -> None:
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    read_model = FlakyReadModel(engine)
    read_model.poison("left a card")
    try:
        async with _worker(ts_env, read_model, engine, files) as task_queue:
            case = await _open(ts_env, task_queue)
            for note in ("first visit", "left a card", "second visit"):
                await case.execute_update("add_journal_note", c.AddJournalNote(by="o-1", text=note))
            journal = await _until(
                lambda: _journal(case), lambda j: "set_aside" in _read_model_notes(j)
            )
            refused = next(j.seq for j in journal if j.text == "left a card")
            events, _ = await _until(
                lambda: _async(_rows, engine, _case_id(case)),
                lambda rows: rows[0] and rows[0][-1] > refused + 1,
            )
            # Every other event landed, in order; that one waits, and it shows.
            assert refused not in events and events == sorted(events)
            assert refused - 1 in events and refused + 1 in events
            note = next(j for j in journal if j.outcome == "set_aside")
            assert (
                f"event {refused} (JournalNoteAdded)" in note.text
                and "left a card" not in note.text
            )
            await _until(lambda: search_attributes(case), lambda a: a.get("ProjectionBehind") == 1)
            # Still on time: the case goes on while the event waits.
            now = await ts_env.get_current_time()
            await case.execute_update(
                "request_call_back",
                c.RequestCallBack(by="o-1", due_at=now + timedelta(hours=2), reason="arrears"),
            )
            # A fix is deployed; the daily retry stores it.
            read_model.cure()
            await ts_env.sleep(timedelta(days=1, hours=1))
            assert (await _view(case)).escalated
            events, _ = await _until(
                lambda: _async(_rows, engine, _case_id(case)), lambda rows: refused in rows[0]
            )
            assert events == list(range(1, len(events) + 1))
            await _until(lambda: search_attributes(case), lambda a: a.get("ProjectionBehind") == 0)
            await case.terminate("test over")
    finally:
        engine.dispose()
