"""A recorded appointee, attorney or deputy on a running case (docs/representatives.md),
on the time-skipping server: the verification task escalates when overdue through the
case's alarm, and an arrears plan is refused, naming the rule, until the authority is
verified through the `verify_representative` update."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.case import commands as c
from domain.case.view import CaseView
from domain.dates import business_date
from tests.factories import opening
from workflows.contracts import CommandResult
from workflows.uc_case import UCCase, case_workflow_id


async def test_verification_escalates_when_overdue_and_unlocks_consent(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref = f"T-{uuid.uuid4().hex[:10]}"
    handle = await ts_env.client.start_workflow(
        UCCase.run, opening(ref), id=case_workflow_id(ref), task_queue=ts_worker
    )
    recorded = await handle.execute_update(
        "record_representative",
        c.RecordRepresentative(by="officer-1", kind="deputy", name="Dee Puty", contact="0163"),
        result_type=CommandResult,
    )
    assert recorded.events == ["RepresentativeRecorded", "TaskOpened"]
    view = await handle.query("case_view", result_type=CaseView)
    [task] = view.open_tasks
    assert task.kind == "verify_representative" and not view.escalated

    now = await ts_env.get_current_time()
    plan = c.AgreeArrearsPlan(
        by="officer-1",
        target_balance=Decimal("0"),
        by_date=business_date(now) + timedelta(days=180),
    )
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await handle.execute_update("agree_arrears_plan", plan)
    assert "representative" in str(info.value.cause)
    assert "not yet verified" in str(info.value.cause)

    # Five days (the policy's default) pass with nothing seen: the case's alarm escalates it.
    await ts_env.sleep(timedelta(days=5, hours=1))
    view = await handle.query("case_view", result_type=CaseView)
    assert view.escalated and view.open_tasks[0].escalated_at is not None

    today = business_date(await ts_env.get_current_time())
    verified = await handle.execute_update(
        "verify_representative",
        c.VerifyRepresentative(
            by="officer-2", evidence="court_order", verified_on=today, reference="COP 1234"
        ),
        result_type=CommandResult,
    )
    assert verified.events == ["RepresentativeVerified", "TaskCompleted"]
    view = await handle.query("case_view", result_type=CaseView)
    assert not view.escalated and view.open_tasks == ()
    rep = view.representative
    assert rep is not None
    assert (rep.verified_on, rep.verified_by, rep.evidence) == (today, "officer-2", "court_order")

    agreed = await handle.execute_update("agree_arrears_plan", plan, result_type=CommandResult)
    assert "ArrearsPlanAgreed" in agreed.events
