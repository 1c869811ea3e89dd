"""The reporting read model (activities/reporting): cases driven through the real
workflows on the dev server fill it, on SQLite and on PostgreSQL; a rebuild from
`case_events` alone gives the same rows; the Work Available Report lists the due
work with its team; `starter.py tasks` and `work-available` read it."""

import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.db import CaseEventRecord
from activities.reporting.events import rebuild
from activities.reporting.kpis import kpis
from activities.reporting.tables import (
    REPORT_TABLES,
    ReportArrangement,
    ReportMigration,
    ReportSustainment,
    ReportTask,
    ReportUcMove,
    WorkAvailableItem,
    WorkAvailableRun,
)
from activities.reporting.work_available import store
from backoffice.cases import open_case
from domain.dates import business_date
from domain.migration.deadlines import earliest_deadline_day, final_deadline
from infra.config import ROOT
from tests.factories import opening
from tests.helpers import eventually
from worker import WORKFLOWS, activities_for

TODAY = business_date(datetime.now(UTC))


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every reporting row, as plain tuples, in key order."""
    found = {}
    with Session(engine) as s:
        for table in REPORT_TABLES:
            t = table.__table__
            rows = s.execute(select(t).order_by(*t.primary_key.columns)).all()
            found[t.name] = [tuple(_plain(v) for v in row) for row in rows]
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    if isinstance(value, Decimal):
        return value.normalize()
    return value


async def _drive(handle: WorkflowHandle) -> None:
    """A case through the commands whose events the reporting tables hold."""
    ap_start = TODAY - timedelta(days=40)
    notice = TODAY - timedelta(days=30)
    deadline = earliest_deadline_day(notice)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("record_rent_movement", {"by": "o", "kind": "charge", "amount": "100.00",
                                  "on": (ap_start - timedelta(days=5)).isoformat()}),
        ("record_claim_status", {"by": "o", "claim_stage": "in_payment",
                                 "first_ap_start": ap_start.isoformat(),
                                 "housing_element": "420.00",
                                 "conditionality_regime": "work_preparation",
                                 "still_in_occupation": True}),
        # The first AP's statement: what a rent arrears deduction's conditions read.
        ("record_award_statement", {"by": "o", "ap_start": ap_start.isoformat(),
                                    "housing_costs_element": True, "earned_income": "0"}),
        ("record_rent_movement", {"by": "o", "kind": "payment", "amount": "50.00",
                                  "on": (ap_start + timedelta(days=3)).isoformat()}),
        ("request_call_back", {"by": "o", "reason": "asked us to ring after work",
                               "due_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat()}),
        ("record_complaint", {"by": "o", "summary": "repairs not done"}),
        ("record_migration_notice", {"by": "o", "notice_issued": notice.isoformat(),
                                     "deadline_day": deadline.isoformat()}),
        ("start_sustainment_action", {"by": "o", "kind": "dhp"}),
        ("request_payment_arrangement", {"by": "o", "kind": "tpd", "deduction_rate": "15",
                                         "below_guidance_reason": "possession hearing listed"}),
    ]  # fmt: skip
    for name, payload in steps:
        await handle.execute_update(name, payload)
    await handle.execute_update(
        "update_sustainment_action",
        {
            "by": "o",
            "action_id": "action-1",
            "status": "awarded",
            "award_from": (TODAY - timedelta(days=20)).isoformat(),
            "award_to": (TODAY + timedelta(days=3)).isoformat(),
            "amount": "75.00",
            "applied_on": (TODAY - timedelta(days=25)).isoformat(),
            "decided_on": (TODAY - timedelta(days=21)).isoformat(),
        },
    )


def _count(engine: Engine, case_id: str, table: Any) -> int:
    with Session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(table).where(table.case_id == case_id)) or 0
        )


async def test_cases_fill_the_reporting_tables_and_a_rebuild_gives_the_same_rows(
    dev_env: WorkflowEnvironment, db: Engine
) -> None:
    client = dev_env.client
    task_queue = f"reporting-{uuid.uuid4()}"
    ref = f"RP-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities_for(db),
        activity_executor=ThreadPoolExecutor(max_workers=4),
    ):
        handle = (await open_case(client, task_queue, opening(ref))).handle
        try:
            await _drive(handle)
            case_id = await eventually(
                lambda: _case_id(db, handle.id), lambda found: found is not None
            )
            assert case_id is not None
            # The arrangement's child reports back (submitted: the objection window).
            await eventually(
                lambda: _async(_arrangement_status, db, case_id),
                lambda status: status == "submitted",
                attempts=400,
            )
            await eventually(
                lambda: _async(_count, db, case_id, ReportSustainment),
                lambda n: n == 1,
            )
            live = await eventually(
                lambda: _async(_rows, db),
                lambda rows: any(r[8] is not None for r in rows["report_sustainment"]),
            )
        finally:
            await handle.terminate("test over")

    tasks = {r[2]: r for r in live["report_tasks"] if r[0] == case_id}
    # (case_id, task_id, kind, team, owner, subject, why, status, due_at, ...)
    assert tasks["call_back"][3] == "income" and tasks["call_back"][7] == "open"
    assert tasks["complaint_follow_up"][3] == "complaints"
    assert tasks["sustainment_follow_up"][3] == "welfare_benefits"  # a DHP's follow-up
    # The operator's free text never reaches the reporting tables.
    assert "ring after work" not in json.dumps(live, default=str)
    assert "repairs not done" not in json.dumps(live, default=str)

    with Session(db) as s:
        move = s.get(ReportUcMove, case_id)
        migration = s.get(ReportMigration, case_id)
        [tpd] = s.scalars(select(ReportArrangement).where(ReportArrangement.case_id == case_id))
        [dhp] = s.scalars(select(ReportSustainment).where(ReportSustainment.case_id == case_id))
    assert move is not None and move.moved_on == TODAY - timedelta(days=40)
    # 250.00 at opening, +100 charged before the move; the later payment is after it.
    assert move.balance_on_move == Decimal("350.00") and move.current_balance == Decimal("300.00")
    assert migration is not None and migration.status == "notice_issued"
    assert migration.final_deadline == final_deadline(migration.deadline_day)
    assert tpd.kind == "tpd" and tpd.status == "submitted" and tpd.objection_until is not None
    assert dhp.status == "awarded" and dhp.amount == Decimal("75.00")
    assert dhp.award_to == TODAY + timedelta(days=3) and dhp.ended_on == TODAY

    # The KPI board's figures from this one case, built through the workflows
    # (docs/kpis.md; every figure is checked against a larger fixture in test_kpis.py).
    board = kpis(db, None, TODAY)
    assert board.residents_on_uc == 1
    assert Decimal(board.arrears["change_total"]) == Decimal("-50.00")  # 300 now, 350 at the move
    [tpd_figures] = [a for a in board.arrangements if a.kind == "tpd"]
    assert (tpd_figures.requested, tpd_figures.decided, tpd_figures.granted) == (1, 0, 0)
    assert tpd_figures.granted_of_requested == 0.0 and tpd_figures.granted_of_decided is None
    assert board.migration["notices"] == 1 and board.migration["claimed_by_deadline"] == 0
    assert board.dhp["applications"] == 1 and board.dhp["by_status"]["awarded"] == 1
    assert Decimal(board.dhp["monthly_amount_awarded_total"]) == Decimal("75.00")

    # The backfill from the stored events alone gives identical rows.
    assert rebuild(db) >= 1
    assert _rows(db) == live

    # A replayed batch (every event applied again, in order) changes nothing either.
    with Session(db) as s, s.begin():
        from activities.reporting.events import apply_events

        events = s.scalars(
            select(CaseEventRecord)
            .where(CaseEventRecord.case_id == case_id)
            .order_by(CaseEventRecord.seq)
        ).all()
        apply_events(s, case_id, events)
    assert _rows(db) == live

    # The day's Work Available Report: the DHP's end within the horizon, with its team.
    summary = store(db, TODAY, 7)
    again = store(db, TODAY, 7)
    assert summary == again  # re-running a day replaces its lines
    assert summary.by_team["welfare_benefits"] >= 1

    with Session(db) as s:
        items = {
            w.item: w
            for w in s.scalars(
                select(WorkAvailableItem).where(
                    WorkAvailableItem.day == TODAY, WorkAvailableItem.ref == case_id
                )
            )
        }
    assert items["sustainment:action-1:dhp_ends"].team == "welfare_benefits"
    assert items["sustainment:action-1:dhp_ends"].due_on == TODAY + timedelta(days=3)
    # Tasks are listed when due today or overdue, never before (UC50 returns aside).
    call_back = tasks["call_back"][1]
    due_today = business_date(_plain(tasks["call_back"][8])) <= TODAY
    assert (f"task:{call_back}" in items) == due_today
    assert all(w.due_on <= TODAY for k, w in items.items() if k.startswith("task:"))
    later = store(db, TODAY + timedelta(days=1), 1)
    assert later.total >= 1


async def _async(fn: Any, *args: Any) -> Any:
    return fn(*args)


async def _case_id(engine: Engine, workflow_id: str) -> str | None:
    with Session(engine) as s:
        return s.scalar(
            select(ReportUcMove.case_id).where(ReportUcMove.case_id.startswith(workflow_id + "/"))
        )


def _arrangement_status(engine: Engine, case_id: str) -> str | None:
    with Session(engine) as s:
        return s.scalar(
            select(ReportArrangement.status).where(ReportArrangement.case_id == case_id)
        )


# --- the command line ------------------------------------------------------------------


def _starter(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    # TEMPORAL_ADDRESS points nowhere: these commands need no Temporal server.
    return subprocess.run(
        [sys.executable, "starter.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "", "TEMPORAL_ADDRESS": "127.0.0.1:1", "DATABASE_URL": database_url},
    )


def _seed(engine: Engine) -> None:
    """Two open tasks (one overdue and escalated), one done, a migration deadline."""
    now = datetime.now(UTC)
    with Session(engine) as s, s.begin():
        s.add_all(
            [
                ReportTask(case_id="uc-case-A/r", task_id="task-1", kind="call_back",
                           team="income", owner="income_team", subject=None,
                           why="the resident asked for a call back", status="open",
                           due_at=now - timedelta(days=2), opened_at=now - timedelta(days=5),
                           closed_at=None, escalated_at=now - timedelta(days=2), seq=3),
                ReportTask(case_id="uc-case-B/r", task_id="task-1", kind="complaint_follow_up",
                           team="complaints", owner="complaints_team", subject=None,
                           why="a complaint was recorded: follow it up", status="open",
                           due_at=now + timedelta(days=10), opened_at=now, closed_at=None,
                           escalated_at=None, seq=2),
                ReportTask(case_id="uc-case-B/r", task_id="task-2", kind="call_back",
                           team="income", owner="income_team", subject=None, why="x",
                           status="done", due_at=now - timedelta(days=1), opened_at=now,
                           closed_at=now, escalated_at=None, seq=4),
                ReportMigration(case_id="uc-case-B/r", notice_on=TODAY - timedelta(days=90),
                                deadline_day=TODAY + timedelta(days=2),
                                final_deadline=final_deadline(TODAY + timedelta(days=2)),
                                reissued=False, tax_credits=False, status="notice_issued",
                                protection="pending", claim_on=None, active=True, seq=5),
            ]
        )  # fmt: skip


@pytest.fixture
def seeded(db: Engine) -> str:
    _seed(db)
    return db.url.render_as_string(hide_password=False)


def test_tasks_lists_open_tasks_as_a_teams_inbox(seeded: str) -> None:
    done = _starter("tasks", "--json", database_url=seeded)
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert listed["count"] == 2
    assert [(t["case_id"], t["task_id"]) for t in listed["tasks"]] == [
        ("uc-case-A/r", "task-1"),
        ("uc-case-B/r", "task-1"),
    ]
    assert set(listed["tasks"][0]) >= {"team", "kind", "why", "due_at", "overdue", "escalated_at"}
    overdue = json.loads(_starter("tasks", "--overdue", "--json", database_url=seeded).stdout)
    assert [t["kind"] for t in overdue["tasks"]] == ["call_back"] and overdue["tasks"][0]["overdue"]
    team = json.loads(
        _starter("tasks", "--team", "complaints", "--json", database_url=seeded).stdout
    )
    assert [t["team"] for t in team["tasks"]] == ["complaints"]
    before = (TODAY + timedelta(days=1)).isoformat()
    due = json.loads(
        _starter("tasks", "--due-before", before, "--json", database_url=seeded).stdout
    )
    assert [t["case_id"] for t in due["tasks"]] == ["uc-case-A/r"]
    piped = _starter("tasks", database_url=seeded)
    # Piped: tab-separated lines, nothing cut.
    assert piped.returncode == 0 and "the resident asked for a call back" in piped.stdout
    assert piped.stdout.splitlines()[0].split("\t")[0] == "team"


def test_work_available_lists_the_days_work_by_team(seeded: str) -> None:
    calls = [
        ("work-available", "--json"),
        ("work-available", "--csv", "--team", "income"),
        ("work-available", "--team", "bereavement", "--json"),
    ]
    # Separate processes reading one database: run side by side.
    with ThreadPoolExecutor(max_workers=3) as pool:
        done, csv_out, bereavement = pool.map(lambda a: _starter(*a, database_url=seeded), calls)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["day"] == TODAY.isoformat() and report["horizon_days"] == 7
    got = {(i["ref"], i["item"]): i for i in report["items"]}
    task = got[("uc-case-A/r", "task:task-1")]
    assert task["team"] == "income" and task["overdue"] and task["escalated"]
    assert task["why"] == "the resident asked for a call back"
    deadline = got[("uc-case-B/r", "migration:deadline_day")]
    assert deadline["due_on"] == (TODAY + timedelta(days=2)).isoformat()
    # Not yet due and no deadline: the complaint follow-up is not in today's report.
    assert ("uc-case-B/r", "task:task-1") not in got
    assert report["by_team"]["income"] == report["total"] == len(got)
    assert csv_out.returncode == 0
    assert csv_out.stdout.splitlines()[0].startswith("day,team,ref_kind,ref")
    assert len(csv_out.stdout.splitlines()) == 1 + report["total"]
    none = json.loads(bereavement.stdout)
    assert none["items"] == [] and none["by_team"] == {"bereavement": 0}


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("work-available", "--date", "2026-02-30"), "--date"),
        (("work-available", "--team", "finance"), "--team"),
        (("tasks", "--due-before", "tomorrow"), "--due-before"),
    ],
)
def test_bad_input_names_the_field(seeded: str, args: tuple[str, ...], field: str) -> None:
    done = _starter(*args, database_url=seeded)
    assert done.returncode == 2
    assert f"{field}: " in done.stderr and "Traceback" not in done.stderr


def test_a_missing_database_is_bad_input(tmp_path: Any) -> None:
    done = _starter("tasks", database_url=f"sqlite:///{tmp_path / 'none.db'}")
    assert done.returncode == 2 and "DATABASE_URL" in done.stderr


def test_rebuild_is_the_documented_backfill(seeded: str) -> None:
    done = _starter("reporting", "rebuild", database_url=seeded)
    assert done.returncode == 0, done.stderr
    # The seeded rows have no events behind them: nothing to rebuild from.
    assert "rebuilt for 0 case(s)" in done.stdout


def test_an_unknown_day_is_built_on_first_read(seeded: str) -> None:
    day = date(2030, 1, 1).isoformat()
    report = json.loads(
        _starter("work-available", "--date", day, "--json", database_url=seeded).stdout
    )
    assert report["day"] == day and report["built_at"] is not None


def test_a_day_built_by_several_readers_at_once_is_stored_once(db: Engine) -> None:
    """Two operators (or an operator and the daily Schedule) building the same day at
    the same moment: each gets the report, and the day holds one run and one set of lines."""
    _seed(db)
    day = date(2031, 3, 3)
    with ThreadPoolExecutor(max_workers=6) as pool:
        summaries = list(pool.map(lambda _: store(db, day, 7), range(12)))
    assert len({s.total for s in summaries}) == 1
    with Session(db) as s:
        runs = s.scalar(select(func.count()).where(WorkAvailableRun.day == day))
        items = s.scalar(select(func.count()).where(WorkAvailableItem.day == day))
    assert runs == 1 and items == summaries[0].total
