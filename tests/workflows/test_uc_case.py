import uuid
from datetime import timedelta

import pytest
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.case import commands as c
from domain.case.view import CaseView
from domain.dates import uk_time
from tests.factories import claim_status, opening
from tests.helpers import accepted_updates, settled_history_length
from workflows.contracts import CommandResult
from workflows.uc_case import UCCase, case_workflow_id


def _ref() -> str:
    return f"T-{uuid.uuid4().hex[:10]}"


async def start(client: Client, task_queue: str, ref: str):
    handle = await client.start_workflow(
        UCCase.run, opening(ref), id=case_workflow_id(ref), task_queue=task_queue
    )
    return handle


async def test_claim_status_moves_a_logged_case_to_claim_status(
    client: Client, ts_worker: str
) -> None:
    handle = await start(client, ts_worker, _ref())
    result = await handle.execute_update(
        "record_claim_status",
        claim_status("2026-01-31"),
        result_type=CommandResult,
    )
    assert result.events == ["ClaimStatusRecorded"]
    view = await handle.query("case_view", result_type=CaseView)
    assert view.stage == "claim_status"
    assert view.claim.first_ap_start.isoformat() == "2026-01-31"


async def test_overdue_call_back_is_escalated_by_the_timer(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    handle = await start(ts_env.client, ts_worker, _ref())
    now = await ts_env.get_current_time()
    due = now + timedelta(hours=4)
    await handle.execute_update(
        "request_call_back",
        c.RequestCallBack(by="officer-1", due_at=due, reason="arrears"),
    )
    view = await handle.query("case_view", result_type=CaseView)
    assert not view.escalated
    await ts_env.sleep(timedelta(hours=5))
    view = await handle.query("case_view", result_type=CaseView)
    assert view.escalated
    assert view.open_tasks[0].escalated_at is not None
    # What the Web UI shows under "Current details": the task by name, when it was due
    # (UK local time) and what to do; never a raw ISO instant.
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    details = metadata.current_details
    assert f"**ESCALATED** call back the resident (task-1, income team), due {uk_time(due)}" in (
        details
    )
    assert "ring the resident" in details and "+00:00" not in details


async def test_rejected_command_leaves_nothing_in_history(client: Client, ts_worker: str) -> None:
    handle = await start(client, ts_worker, _ref())
    await settled_history_length(handle)
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await handle.execute_update("close_case", c.CloseCase(by="officer-1", outcome="went_away"))
    assert "outcome: must be one of" in str(info.value.cause)
    # The validator refused it: no update was accepted into history, no event applied.
    assert await accepted_updates(handle) == 0
    assert (await handle.query("case_view", result_type=CaseView)).version == 1
