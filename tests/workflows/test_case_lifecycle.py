"""Long-lived behaviour on the time-skipping server: the watch, re-opening,
continue-as-new, safeguarding escalation."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.db import JournalRecord
from domain.case import commands as c
from domain.case.view import CaseView
from tests.factories import opening
from tests.helpers import eventually
from workflows.contracts import CaseOutcome
from workflows.uc_case import UCCase, case_workflow_id


async def _open(client: Client, task_queue: str) -> WorkflowHandle:
    ref = f"L-{uuid.uuid4().hex[:10]}"
    return await client.start_workflow(UCCase.run, opening(ref), id=case_workflow_id(ref),
                                       task_queue=task_queue)


async def _view(handle: WorkflowHandle) -> CaseView:
    return await handle.query("case_view", result_type=CaseView)


async def test_closed_case_completes_when_the_six_month_watch_ends(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    handle = await _open(ts_env.client, ts_worker)
    await handle.execute_update("close_case", c.CloseCase(by="o", outcome="stable_arrears_clearing"))
    view = await _view(handle)
    assert view.status == "closed" and view.closure is not None
    opened = view.opened_at
    outcome: CaseOutcome = await handle.result()  # time skips to the watch end
    assert outcome.status == "completed" and outcome.outcome == "stable_arrears_clearing"
    history = await handle.fetch_history()
    closed_at = history.events[-1].event_time.ToDatetime().replace(tzinfo=opened.tzinfo)
    # Watch of 6 calendar months, covering its last day.
    assert timedelta(days=181) <= closed_at - opened <= timedelta(days=185)


async def test_arrears_rising_after_closure_reopen_the_case(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    handle = await _open(ts_env.client, ts_worker)
    await handle.execute_update("close_case", c.CloseCase(by="o", outcome="stable_arrears_clearing"))
    await ts_env.sleep(timedelta(days=40))
    # Rent £433.33 a month: half a month is £216.67; £220 of new arrears is material.
    await handle.execute_update("record_rent_movement", c.RecordRentMovement(
        by="o", kind="charge", amount=Decimal("220.00"), on="2026-04-01"))
    view = await _view(handle)
    assert view.status == "open" and view.reopen_count == 1
    assert [t.kind for t in view.open_tasks] == ["reopened_review"]
    # Re-opened, it no longer completes at the watch's end.
    await ts_env.sleep(timedelta(days=200))
    desc = await handle.describe()
    assert desc.status == WorkflowExecutionStatus.RUNNING


async def test_suicidal_intent_escalates_at_once_and_blocks_closure(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    handle = await _open(ts_env.client, ts_worker)
    await handle.execute_update("record_safeguarding_declaration", c.RecordSafeguardingDeclaration(
        by="o", kind="suicidal_intent"))
    view = await _view(handle)
    assert view.escalated
    described = await eventually(handle.describe, lambda d: any(
        p.key.name == "Escalated" and p.value for p in d.typed_search_attributes))
    assert described is not None
    for step in view.six_point_plan:
        await handle.execute_update("complete_plan_step", c.CompletePlanStep(by="o", step=step.step))
    assert not (await _view(handle)).escalated


async def test_continue_as_new_keeps_every_journal_entry_and_pending_deadline(
    ts_env: WorkflowEnvironment, ts_worker: str, engine: Engine, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"continue_as_new_after_events": 40}))
    monkeypatch.setenv("CASEWORK_POLICY_FILE", str(policy))
    handle = await _open(ts_env.client, ts_worker)
    first_run = (await handle.describe()).run_id
    now = await ts_env.get_current_time()
    await handle.execute_update("request_call_back", c.RequestCallBack(
        by="o", due_at=now + timedelta(days=3), reason="call about arrears"))
    for i in range(25):
        await handle.execute_update("add_journal_note", c.AddJournalNote(by="o", text=f"note {i}"))
    view = await _view(handle)
    assert view.version == 27  # opened + call-back task + 25 notes
    assert (await handle.describe()).run_id != first_run  # it continued as new
    journal = await handle.query("journal")
    assert [entry["seq"] for entry in journal] == list(range(1, 28))
    # The call-back deadline survived the new runs: it still escalates on time.
    await ts_env.sleep(timedelta(days=3, hours=1))
    assert (await _view(handle)).escalated

    def rows() -> int:
        with Session(engine) as s:
            return s.scalar(select(func.count()).select_from(JournalRecord)
                            .where(JournalRecord.case_id == handle.id)) or 0

    async def count() -> int:
        return rows()

    assert await eventually(count, lambda n: n == 28) == 28  # + the escalation
