"""The Temporal Schedules (infra/schedules.py, docs/schedules.md) on the real dev
server: applied twice they are the same three, with the time zone, jitter, overlap
policy and catch-up window the docs give; triggered, each runs its workflow to
completion with what it found; `starter.py schedules apply` and a worker's start-up
apply them; an unreachable server or a refused apply is a clear error."""

import asyncio
import contextlib
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session
from temporalio.api.common.v1 import Payload
from temporalio.client import (
    Client,
    ScheduleActionStartWorkflow,
    ScheduleBackfill,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    ScheduleRange,
)
from temporalio.converter import DataConverter
from temporalio.converter import default as default_converter
from temporalio.runtime import MetricBuffer, Runtime, TelemetryConfig
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.db import CaseRecord, ErasureRecord
from activities.reporting.tables import ReportTask
from activities.scheduled_records import ScheduledRun
from domain.dates import UK, business_date
from domain.teams import TEAMS
from infra import schedules
from infra.keystore import KeyStore
from tests.helpers import eventually, shared_env
from tests.integration.conftest import ROOT, Processes
from worker import build_worker

IDS = ["work-available-report", "escalation-digest", "retention-sweep"]


async def _delete_all(client: Client) -> None:
    for schedule_id in IDS:
        with contextlib.suppress(RPCError):  # not there
            await client.get_schedule_handle(schedule_id).delete()


@pytest.fixture
async def clean(dev_env: WorkflowEnvironment) -> AsyncIterator[Client]:
    """The session server without our schedules, before and after: they belong to the
    namespace, and must not start workflows on a test's task queue once it is gone."""
    await _delete_all(dev_env.client)
    yield dev_env.client
    await _delete_all(dev_env.client)


def _text(payload: object) -> str:
    assert isinstance(payload, Payload)
    # Plain JSON, not sealed by the codec: the Web UI shows it without signing in.
    assert payload.metadata["encoding"] == b"json/plain"
    return str(default_converter().payload_converter.from_payloads([payload])[0])


async def test_applying_twice_makes_the_same_three_schedules_as_documented(
    clean: Client, dev_worker: str
) -> None:
    first = await schedules.apply(clean, dev_worker)
    assert [(a.id, a.outcome) for a in first] == [(i, "created") for i in IDS]
    again = await schedules.apply(clean, dev_worker)
    assert [(a.id, a.outcome) for a in again] == [(i, "unchanged") for i in IDS]

    listed = await eventually(
        lambda: _listed(clean), lambda ids: set(IDS) <= set(ids), attempts=100, delay=0.2
    )
    assert sorted(i for i in listed if i in IDS) == sorted(IDS)  # not duplicated

    docs = (ROOT / "docs" / "schedules.md").read_text()
    expected = {
        "work-available-report": ("WorkAvailableReport", [7], None, 5, timedelta(hours=10)),
        "escalation-digest": ("EscalationDigest", [8], [1], 10, timedelta(days=2)),
        "retention-sweep": ("RetentionSweep", [2], None, 30, timedelta(hours=20)),
    }
    for schedule_id, (workflow, hours, weekdays, jitter, catchup) in expected.items():
        described = await clean.get_schedule_handle(schedule_id).describe()
        spec, policy = described.schedule.spec, described.schedule.policy
        assert spec.time_zone_name == "Europe/London"
        [calendar] = spec.calendars
        assert [r.start for r in calendar.hour] == hours
        assert [r.start for r in calendar.minute] == [0]
        if weekdays:
            assert [r.start for r in calendar.day_of_week] == weekdays  # Monday
        assert spec.jitter == timedelta(minutes=jitter)
        assert policy.overlap == ScheduleOverlapPolicy.SKIP
        assert policy.catchup_window == catchup
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert action.workflow == workflow and action.task_queue == dev_worker
        plan = next(p for p in schedules.PLANS if p.id == schedule_id)
        assert _text(action.static_summary) == plan.summary
        assert "UK time" in _text(action.static_details)
        assert described.schedule.state.note and plan.when in described.schedule.state.note
        # What the docs say of it: its id, its time and its policies.
        row = next(line for line in docs.splitlines() if line.startswith(f"| `{schedule_id}`"))
        assert plan.when in row and f"{jitter} min" in row and workflow in row

    # A paused schedule stays paused, with the operator's note, when applied again;
    # a changed task queue is an update, not a second schedule.
    handle = clean.get_schedule_handle("retention-sweep")
    await handle.pause(note="paused by ops: restore test")
    moved = await schedules.apply(clean, f"{dev_worker}-moved")
    assert [(a.id, a.outcome) for a in moved] == [(i, "updated") for i in IDS]
    assert [a.paused for a in moved] == [False, False, True]
    described = await handle.describe()
    assert described.schedule.state.paused
    assert described.schedule.state.note == "paused by ops: restore test"
    assert isinstance(described.schedule.action, ScheduleActionStartWorkflow)
    assert described.schedule.action.task_queue == f"{dev_worker}-moved"
    await handle.unpause()
    await schedules.apply(clean, dev_worker)


async def _listed(client: Client) -> list[str]:
    return [s.id async for s in await client.list_schedules()]


async def test_a_refused_apply_names_the_schedule_and_why(clean: Client, dev_worker: str) -> None:
    bad = schedules.Plan(
        id="bad-schedule-test",
        workflow="RetentionSweep",
        when="never",
        calendar=ScheduleCalendarSpec(hour=[ScheduleRange(25)]),
        jitter=timedelta(0),
        catchup_window=timedelta(hours=1),
        execution_timeout=timedelta(hours=1),
        summary="s",
        does="d",
    )
    with pytest.raises(schedules.ScheduleError, match="schedule bad-schedule-test: the server"):
        await schedules.apply(clean, dev_worker, [bad])


async def _run_once(client: Client, schedule_id: str) -> ScheduledRun:
    """Trigger the schedule now and wait for the workflow it starts to complete."""
    handle = client.get_schedule_handle(schedule_id)
    before = (await handle.describe()).info.num_actions
    await handle.trigger()
    described = await eventually(
        handle.describe, lambda d: d.info.num_actions > before, attempts=200, delay=0.1
    )
    workflow_id = described.info.recent_actions[-1].action.workflow_id  # type: ignore[attr-defined]
    assert workflow_id.startswith(f"{schedule_id}-")  # names no subject: the ops key
    result: ScheduledRun = await client.get_workflow_handle(
        workflow_id, result_type=ScheduledRun
    ).result()
    return result


def _case(ref: str, closed_at: datetime) -> CaseRecord:
    return CaseRecord(
        case_id=f"uc-case-{ref}/run-1",
        workflow_id=f"uc-case-{ref}",
        tenancy_ref=ref,
        resident_name="Morgan Testperson",
        address="1 Test Row",
        opening_reason="arrears_trigger",
        stage="closed",
        status="completed",
        arrears_band="none",
        vulnerability_tier="none",
        balance=Decimal(0),
        monthly_rent=Decimal(400),
        escalated=False,
        next_action_due=None,
        opened_at=closed_at - timedelta(days=400),
        closed_at=closed_at,
        outcome="stable_arrears_clearing",
        version=1,
    )


async def test_the_retention_sweep_erases_what_is_past_retention_and_keeps_the_rest(
    clean: Client, dev_worker: str, engine: Engine, key_store: KeyStore
) -> None:
    old, recent = f"RET-OLD-{uuid.uuid4().hex[:6]}", f"RET-NEW-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        session.add(_case(old, now - timedelta(days=365 * 7)))  # 6 years' retention passed
        session.add(_case(recent, now - timedelta(days=365 * 5)))  # not yet
    key_store.for_subject("uc", old)
    key_store.for_subject("uc", recent)
    await schedules.apply(clean, dev_worker)

    run = await _run_once(clean, "retention-sweep")

    assert run.schedule == "retention-sweep" and run.sweep is not None
    assert run.day in (business_date(now), business_date(datetime.now(UTC)))
    erased = {s.subject: s for s in run.sweep.erased}
    assert old in erased and recent not in erased
    assert erased[old].keys_destroyed == 1 and erased[old].rows_scrubbed >= 1
    assert run.sweep.retention_years == 6 and run.sweep.due >= 1
    assert f"{len(run.sweep.erased)} erased" in run.summary
    with Session(engine) as session:
        names = dict(
            session.execute(
                select(CaseRecord.tenancy_ref, CaseRecord.resident_name).where(
                    CaseRecord.tenancy_ref.in_([old, recent])
                )
            ).all()
        )
        audit = session.scalars(select(ErasureRecord).where(ErasureRecord.subject == old)).one()
    assert names == {old: "[erased]", recent: "Morgan Testperson"}
    assert audit.by == "retention-sweep" and "kept 6 years" in audit.reason

    again = await _run_once(clean, "retention-sweep")  # idempotent: nothing left to do for it
    assert again.sweep is not None
    assert old not in {s.subject for s in again.sweep.erased}


async def test_the_escalation_digest_gives_each_team_its_escalated_and_overdue_tasks(
    clean: Client, dev_worker: str, engine: Engine
) -> None:
    tag = uuid.uuid4().hex[:6]
    now = datetime.now(UTC)

    def task(n: int, team: str, due: timedelta, escalated: bool, closed: bool) -> ReportTask:
        return ReportTask(
            case_id=f"uc-case-DIG-{tag}/run-1",
            task_id=f"task-{n}",
            kind="call_back" if team == "income" else "complaint_follow_up",
            team=team,
            owner="income_team",
            subject=None,
            why="the resident asked for a call back",
            status="done" if closed else "open",
            due_at=now + due,
            opened_at=now - timedelta(days=10),
            closed_at=now if closed else None,
            escalated_at=now - timedelta(hours=1) if escalated else None,
            seq=n,
        )

    with Session(engine) as session, session.begin():
        session.add(task(1, "income", -timedelta(days=2), False, False))  # overdue
        session.add(task(2, "income", timedelta(days=1), True, False))  # escalated, not due
        session.add(task(3, "income", -timedelta(days=3), True, True))  # done: not listed
        session.add(task(4, "complaints", timedelta(days=3), False, False))  # not due
    try:
        await schedules.apply(clean, dev_worker)
        run = await _run_once(clean, "escalation-digest")
    finally:
        with Session(engine) as session, session.begin():
            session.execute(delete(ReportTask).where(ReportTask.case_id.contains(tag)))

    assert run.digests is not None
    assert [d.team for d in run.digests] == list(TEAMS)  # one digest per team
    income = run.digests[0]
    lines = sorted((x for x in income.listed if tag in x.ref), key=lambda x: x.due_on)
    assert [(x.overdue, x.escalated) for x in lines] == [(True, False), (False, True)]
    assert income.escalated >= 1 and income.overdue >= 1
    complaints = next(d for d in run.digests if d.team == "complaints")
    assert not [x for x in complaints.listed if tag in x.ref]
    assert "Escalation digest" in run.summary and "income" in run.summary


async def test_the_work_available_report_runs_for_the_uk_day_it_was_scheduled(
    clean: Client, dev_worker: str
) -> None:
    await schedules.apply(clean, dev_worker)
    before = datetime.now(UTC)
    run = await _run_once(clean, "work-available-report")
    assert run.schedule == "work-available-report"
    assert run.day in (business_date(before), business_date(datetime.now(UTC)))
    assert run.scheduled_at >= before - timedelta(seconds=5)
    assert run.work_available is not None
    assert run.work_available.day == run.day.isoformat()
    assert list(run.work_available.by_team) == list(TEAMS)
    assert sum(run.work_available.by_team.values()) == run.work_available.total
    assert run.summary.startswith(f"Work Available Report {run.day}:")

    # A backfill of a day the worker missed reports that day, not today.
    missed = business_date(before) - timedelta(days=3)
    handle = clean.get_schedule_handle("work-available-report")
    count = (await handle.describe()).info.num_actions
    await handle.backfill(
        ScheduleBackfill(
            start_at=datetime.combine(missed, time(6), tzinfo=UK),
            end_at=datetime.combine(missed, time(8), tzinfo=UK),
            overlap=ScheduleOverlapPolicy.ALLOW_ALL,
        )
    )
    described = await eventually(
        handle.describe, lambda d: d.info.num_actions > count, attempts=200, delay=0.1
    )
    workflow_id = described.info.recent_actions[-1].action.workflow_id  # type: ignore[attr-defined]
    backfilled: ScheduledRun = await clean.get_workflow_handle(
        workflow_id, result_type=ScheduledRun
    ).result()
    assert backfilled.day == missed
    assert backfilled.scheduled_at.astimezone(UK).time() >= time(7)
    assert backfilled.scheduled_at.astimezone(UK).date() == missed
    assert backfilled.work_available is not None
    assert backfilled.work_available.day == missed.isoformat()


def _env(dev_env: WorkflowEnvironment, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        **shared_env(),
        "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "CASEWORK_LOG_FORMAT": "json",
        **extra,
    }


async def test_starter_schedules_apply_prints_what_it_created_then_updated_nothing(
    clean: Client, dev_env: WorkflowEnvironment, dev_worker: str
) -> None:
    async def starter(*args: str) -> tuple[int | None, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "starter.py",
            *args,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_env(dev_env, CASEWORK_TASK_QUEUE=dev_worker, COLUMNS="200"),
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        return process.returncode, out.decode(), err.decode()

    code, out, err = await starter("schedules", "apply")
    assert code == 0, err
    for schedule_id in IDS:
        assert f"created   {schedule_id}" in out
    assert "3 schedules on task queue" in out
    code, out, err = await starter("schedules", "apply")
    assert code == 0 and out.count("unchanged") == 3, err
    code, out, err = await starter("schedules", "list")
    assert code == 0, err
    assert [line.split()[0] for line in out.splitlines()] == IDS
    assert all(" active " in line and "next " in line for line in out.splitlines())


async def test_starter_schedules_on_an_unreachable_server_is_one_clear_line() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "starter.py",
        "schedules",
        "apply",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={"PATH": "", "TEMPORAL_ADDRESS": "127.0.0.1:1", **shared_env()},
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 3
    assert "cannot reach Temporal" in err.decode() and "Traceback" not in err.decode()


async def test_a_starting_worker_applies_the_schedules(
    clean: Client, dev_env: WorkflowEnvironment, processes: Processes, tmp_path: Path
) -> None:
    queue = f"sched-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = _env(dev_env, CASEWORK_TASK_QUEUE=queue, CASEWORK_SCHEDULES="apply")
    await processes.start(sys.executable, "worker.py", env=env, log=log)

    async def queues() -> list[str]:
        found = []
        for schedule_id in IDS:
            try:
                described = await clean.get_schedule_handle(schedule_id).describe()
            except RPCError:
                continue
            action = described.schedule.action
            assert isinstance(action, ScheduleActionStartWorkflow)
            found.append(action.task_queue)
        return found

    await eventually(queues, lambda q: q == [queue] * 3, attempts=300, delay=0.2)
    text = await eventually(
        lambda: asyncio.sleep(0, log.read_text()),
        lambda t: t.count('"schedule applied"') == 3,
        attempts=100,
        delay=0.1,
    )
    assert '"outcome": "created"' in text


async def test_a_worker_waits_for_an_unreachable_server_with_a_clear_error(
    processes: Processes, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        **shared_env(),
        "TEMPORAL_ADDRESS": "127.0.0.1:1",
        "CASEWORK_LOG_FORMAT": "json",
        "CASEWORK_SCHEDULES": "apply",
        # Outside the demo, with the demo's landlord: a warning at start names each
        # setting forms would be refused for (docs/forms.md).
        "CASEWORK_DEMO": "0",
    }
    worker = await processes.start(sys.executable, "worker.py", env=env, log=log)
    text = await eventually(
        lambda: asyncio.sleep(0, log.read_text()),
        lambda t: t.count("cannot reach Temporal: retrying") >= 2,
        attempts=300,
        delay=0.1,
    )
    assert worker.returncode is None  # still there, waiting: not a crash to restart
    assert '"address": "127.0.0.1:1"' in text and "Traceback" not in text
    [warning] = [json.loads(x) for x in text.splitlines() if "demo's placeholders" in x]
    assert warning["level"] == "warning"
    assert {"CASEWORK_LANDLORD_SORT_CODE", "CASEWORK_LANDLORD_OFFICER_NAME"} <= set(
        warning["settings"]
    )


async def test_each_run_counts_in_casework_schedule_runs_by_schedule(
    dev_env: WorkflowEnvironment, converter: DataConverter, engine: Engine
) -> None:
    """Started by hand (no schedule: the business day is the start time's), a run
    still counts, labelled with its schedule and nothing else."""
    buffer = MetricBuffer(1000)
    runtime = Runtime(telemetry=TelemetryConfig(metrics=buffer))
    client = await Client.connect(
        dev_env.client.service_client.config.target_host,
        data_converter=converter,
        runtime=runtime,
    )
    queue = f"metrics-{uuid.uuid4().hex[:8]}"
    async with build_worker(client, queue, engine):
        run: ScheduledRun = await client.execute_workflow(
            "RetentionSweep",
            id=f"retention-sweep-by-hand-{uuid.uuid4().hex[:6]}",
            task_queue=queue,
            result_type=ScheduledRun,
        )
    assert run.day == business_date(run.scheduled_at)
    counted = [
        (u.value, dict(u.attributes))
        for u in buffer.retrieve_updates()
        if u.metric.name == "casework_schedule_runs"
    ]
    assert [value for value, _ in counted] == [1]
    assert counted[0][1]["schedule"] == "retention-sweep"
    # Labels name the schedule, never a run's workflow id.
    assert not any("by-hand" in str(v) for v in counted[0][1].values())
