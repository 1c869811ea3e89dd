"""Long-lived behaviour on the time-skipping server: the watch, re-opening,
safeguarding escalation. (Continue-as-new is tested on the real dev server:
the Java test server stalls when an update races a continue-as-new.)"""

import uuid
from datetime import timedelta
from decimal import Decimal

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.case import commands as c
from domain.case.view import CaseView
from tests.factories import opening
from tests.helpers import eventually
from workflows.contracts import CaseOutcome
from workflows.uc_case import UCCase, case_workflow_id


async def _open(client: Client, task_queue: str) -> WorkflowHandle:
    ref = f"L-{uuid.uuid4().hex[:10]}"
    handle = await client.start_workflow(
        UCCase.run, opening(ref), id=case_workflow_id(ref), task_queue=task_queue
    )
    return handle


async def _view(handle: WorkflowHandle) -> CaseView:
    return await handle.query("case_view", result_type=CaseView)


async def test_closed_case_completes_when_the_six_month_watch_ends(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    handle = await _open(ts_env.client, ts_worker)
    await handle.execute_update(
        "close_case", c.CloseCase(by="o", outcome="stable_arrears_clearing")
    )
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
    await handle.execute_update(
        "close_case", c.CloseCase(by="o", outcome="stable_arrears_clearing")
    )
    await ts_env.sleep(timedelta(days=40))
    # Rent £433.33 a month: half a month is £216.67; £220 of new arrears is material.
    await handle.execute_update(
        "record_rent_movement",
        c.RecordRentMovement(by="o", kind="charge", amount=Decimal("220.00"), on="2026-04-01"),
    )
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
    await handle.execute_update(
        "record_safeguarding_declaration",
        c.RecordSafeguardingDeclaration(by="o", kind="suicidal_intent"),
    )
    view = await _view(handle)
    assert view.escalated
    described = await eventually(
        handle.describe,
        lambda d: any(p.key.name == "Escalated" and p.value for p in d.typed_search_attributes),
    )
    assert described is not None
    for step in view.six_point_plan:
        await handle.execute_update(
            "complete_plan_step", c.CompletePlanStep(by="o", step=step.step)
        )
    assert not (await _view(handle)).escalated
