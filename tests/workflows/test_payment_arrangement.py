"""A managed payment request end to end on the time-skipping server: the UC47 is
generated and submitted once, the objection window, chase and escalation timers
fire, the outcome schedules reviews, and the case hears each step."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.arrangements.lifecycle import ArrangementState
from domain.case import commands as c
from domain.case.view import CaseView
from domain.dates import business_date
from tests.factories import opening
from tests.helpers import eventually, wait_until_open
from workflows.uc_case import UCCase, case_workflow_id


async def _case_with_request(
    env: WorkflowEnvironment, task_queue: str, **request: object
) -> tuple[WorkflowHandle, WorkflowHandle]:
    ref = f"A-{uuid.uuid4().hex[:10]}"
    # £1,200 of arrears against £433.33 a month: more than 2 months' rent.
    case = await env.client.start_workflow(
        UCCase.run,
        opening(ref, balance=Decimal("1200.00")),
        id=case_workflow_id(ref),
        task_queue=task_queue,
    )
    await wait_until_open(case)
    await case.execute_update(
        "request_payment_arrangement", c.RequestPaymentArrangement(by="income-09", **request)
    )  # type: ignore[arg-type]
    arrangement = env.client.get_workflow_handle(f"uc-apa-{ref}-1")

    async def submitted() -> str:
        try:
            state = await arrangement.query("arrangement_view", result_type=ArrangementState)
        except Exception:
            return "not started"
        return state.status

    await eventually(submitted, lambda s: s == "submitted")
    return case, arrangement


async def _attrs(handle: WorkflowHandle) -> dict[str, object]:
    """Search attributes from the raw description: the time-skipping server stores an
    unset Datetime attribute in a form the SDK's decoder rejects."""
    client = handle._client
    desc = await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=handle.id)
        )
    )
    fields = desc.workflow_execution_info.search_attributes.indexed_fields
    return {name: json.loads(p.data) for name, p in fields.items() if p.data}


async def _state(handle: WorkflowHandle) -> ArrangementState:
    return await handle.query("arrangement_view", result_type=ArrangementState)


async def test_a_managed_payment_request_runs_from_uc47_to_reviews(
    ts_env: WorkflowEnvironment, ts_worker: str, files: Path
) -> None:
    case, arrangement = await _case_with_request(ts_env, ts_worker, kind="mptl")
    state = await _state(arrangement)
    # The UC47 exists once, as a real PDF carrying the case's figures, and was submitted.
    pdfs = list((files / "forms").rglob("UC47-*.pdf"))
    mine = [
        p
        for p in pdfs
        if state.arrangement_id.split("uc-apa-")[1].rsplit("-", 1)[0]
        in PdfReader(p).pages[0].extract_text()
    ]
    assert len(mine) == 1
    text = PdfReader(mine[0]).pages[0].extract_text()
    assert "£1,200.00" in text and "Morgan Testperson" in text
    receipt = json.loads(
        next((files / "outbox").glob(f"{state.arrangement_id}*/receipt.json")).read_text()
    )
    assert receipt["reference"] == state.submission_reference
    # The claimant's objection window (14 days), then the chase, then escalation.
    await ts_env.sleep(timedelta(days=15))
    assert (await _state(arrangement)).status == "awaiting_outcome"
    view = await case.query("case_view", result_type=CaseView)
    assert "arrangement_chase" in [t.kind for t in view.open_tasks]
    await ts_env.sleep(timedelta(days=14))
    view = await case.query("case_view", result_type=CaseView)
    assert view.escalated and "arrangement_follow_up" in [t.kind for t in view.open_tasks]
    today = business_date(await ts_env.get_current_time())
    await arrangement.execute_update(
        "record_outcome",
        {
            "by": "income-09",
            "decision": "granted",
            "decided_on": today.isoformat(),
            "start_date": today.isoformat(),
        },
    )
    state = await _state(arrangement)
    assert state.status == "granted" and [r.months for r in state.reviews] == [
        3,
        6,
        9,
        12,
        15,
        18,
        24,
    ]
    view = await eventually(
        lambda: case.query("case_view", result_type=CaseView),
        lambda v: v.arrangements[0].status == "granted",
    )
    shown = view.arrangements[0]
    assert shown.start_date == today and len(shown.review_dates) == 7
    assert not [t for t in view.open_tasks if t.kind == "arrangement_chase"]  # chases closed
    attrs = await eventually(lambda: _attrs(case), lambda a: a.get("APAStatus") == "granted")
    assert attrs.get("TPDActive") is None  # a managed payment is not a deduction
    await ts_env.sleep(timedelta(days=95))
    view = await case.query("case_view", result_type=CaseView)
    assert "arrangement_review" in [t.kind for t in view.open_tasks]
    journal = [j["text"] for j in await case.query("journal")]
    assert any("MPTL request" in t and "granted" in t for t in journal)


async def test_an_objection_in_the_window_stops_the_request(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    case, arrangement = await _case_with_request(
        ts_env, ts_worker, kind="tpd", deduction_rate=Decimal("10")
    )
    today = business_date(await ts_env.get_current_time())
    await arrangement.execute_update(
        "record_objection", {"by": "income-09", "objected_on": today.isoformat()}
    )
    assert await arrangement.result() == "objected"
    journal = [j["kind"] for j in await case.query("journal")]
    assert "arrangement_objected" in journal


async def test_a_managed_payment_meeting_no_condition_is_refused_naming_each(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref = f"A-{uuid.uuid4().hex[:10]}"
    case = await ts_env.client.start_workflow(
        UCCase.run,
        opening(ref, balance=Decimal("50")),
        id=case_workflow_id(ref),
        task_queue=ts_worker,
    )
    await wait_until_open(case)
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await case.execute_update(
            "request_payment_arrangement", c.RequestPaymentArrangement(by="o", kind="mptl")
        )
    message = str(info.value.cause)
    assert "mptl: no condition for a managed payment is met" in message
    assert "arrears_two_months" in message and "tier_1_or_2_factor" in message


async def test_the_objection_window_and_chase_follow_the_case_policy(
    ts_env: WorkflowEnvironment,
    ts_worker: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"arrangement_objection_days": 7, "arrangement_chase_days": 10}))
    monkeypatch.setenv("CASEWORK_POLICY_FILE", str(policy))
    _, arrangement = await _case_with_request(ts_env, ts_worker, kind="mptl")
    state = await _state(arrangement)
    assert state.submitted_on is not None
    assert state.objection_window_ends == state.submitted_on + timedelta(days=7)
    assert state.policy.chase_days == 10 and state.policy.escalate_days == 28
