"""An AgreedActivity that continues as new while its owner's assurance arrives, on the
real dev server (the time-skipping server freezes its clock when an update races a
continue-as-new). The race is forced, not hoped for: the worker runs the workflow code
unsandboxed with a gate in a workflow interceptor, so the test holds the activity at
the exact step where the assurance used to be lost and sends it there."""

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic_core import to_jsonable_python
from sqlalchemy import Engine
from temporalio import workflow
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import (
    ContinueAsNewInput,
    Interceptor,
    SignalExternalWorkflowInput,
    UnsandboxedWorkflowRunner,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

from domain.case.parsing import parse
from domain.ipr.activity import ActivityState
from domain.ipr.model import IprState
from tests.helpers import eventually
from tests.workflows.test_ipr import _assure, _investigate, _start, _today
from worker import build_worker
from workflows import shell
from workflows.agreed_activity import AgreedActivity
from workflows.contracts import ActivityInput, CommandResult
from workflows.ipr import IprOutcome
from workflows.shell import AppliedUpdates


class Gate:
    """Holds the workflow thread at one named step until the test lets it go."""

    def __init__(self) -> None:
        self.at: str | None = None
        self.reached = threading.Event()
        self.go = threading.Event()

    def hold(self, step: str) -> None:
        if step == self.at and not self.reached.is_set() and not workflow.unsafe.is_replaying():
            self.reached.set()
            self.go.wait(30)


GATE = Gate()


class _Outbound(WorkflowOutboundInterceptor):
    async def signal_external_workflow(self, input: SignalExternalWorkflowInput) -> None:
        if input.signal == "activity_progress":
            GATE.hold(f"notice:{input.args[0]['kind']}")
        return await super().signal_external_workflow(input)

    def continue_as_new(self, input: ContinueAsNewInput) -> Any:
        GATE.hold("continue_as_new")
        return super().continue_as_new(input)


class _Inbound(WorkflowInboundInterceptor):
    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        super().init(_Outbound(outbound))


class _Gated(Interceptor):
    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        return _Inbound


@pytest.fixture
async def gated_worker(
    dev_env: WorkflowEnvironment,
    engine: Engine,
    files: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[str]:
    """A worker of its own: unsandboxed (so the gate and the patched limit are the
    test's own objects), no deadlock check (the gate holds a workflow thread), and
    an activity that is due to continue as new in its first run once it has reminded
    its owner: the reminder's notice is the publish before the continue-as-new."""
    global GATE
    GATE = Gate()

    def due(self: AgreedActivity) -> bool:
        return workflow.info().continued_run_id is None and self._state.reminded

    monkeypatch.setattr(AgreedActivity, "_continue_as_new_due", due)
    task_queue = f"gated-{uuid.uuid4()}"
    worker = build_worker(
        dev_env.client,
        task_queue,
        engine,
        files=files,
        workflow_runner=UnsandboxedWorkflowRunner(),
        interceptors=[_Gated()],
    )
    # Activations still run on the worker's threads (debug_mode would run them on this
    # event loop, which the gate would then hold), without the 2 s deadlock check.
    assert worker._workflow_worker is not None
    worker._workflow_worker._deadlock_timeout_seconds = None
    async with worker:
        yield task_queue
    GATE.go.set()


async def _an_ipr_with_one_activity(
    env: WorkflowEnvironment, task_queue: str
) -> tuple[WorkflowHandle, str]:
    _, handle = await _start(env, task_queue)
    await _investigate(handle, learning=[{"service_line": "UC", "text": "Deductions"}])
    # Due tomorrow: the reminder is due today, so it fires at once. (No query until
    # the gate is reached: a held workflow answers none.)
    today = await _today(env)
    await handle.execute_update(
        "record_iprg_agreement",
        {
            "by": "iprg",
            "agreed_on": today.isoformat(),
            "activities": [
                {
                    "service_line": "UC",
                    "description": "UC to assure IPRG",
                    "due_on": (today + timedelta(days=1)).isoformat(),
                }
            ],
        },
    )
    [activity] = (await handle.query("ipr_view", result_type=IprState)).activities
    return handle, activity.activity_id


async def _assured_while_held(env: WorkflowEnvironment, step: str, task_queue: str) -> None:
    GATE.at = step
    handle, activity_id = await _an_ipr_with_one_activity(env, task_queue)
    assert await asyncio.to_thread(GATE.reached.wait, 30), f"never reached {step}"
    assurance = asyncio.create_task(_assure(env, activity_id))
    await asyncio.sleep(1)  # the server holds the update for the next workflow task
    GATE.go.set()
    await asyncio.wait_for(assurance, 30)

    child = env.client.get_workflow_handle(activity_id)
    assert await asyncio.wait_for(child.result(), 30) == "assured"
    shown = await child.query("activity_view", result_type=ActivityState)
    assert shown.status == "assured"
    started = (await child.fetch_history()).events[0].workflow_execution_started_event_attributes
    # Held before its last notice it finishes in its first run (never carried finished);
    # held at continue-as-new, the assurance is retried on, and applied by, the new run.
    assert bool(started.continued_execution_run_id) == (step == "continue_as_new")

    async def view() -> IprState:
        return await handle.query("ipr_view", result_type=IprState)

    state = await eventually(view, lambda s: not s.open_activities, attempts=100, delay=0.1)
    assert [a.status for a in state.activities] == ["assured"], "the IPR never heard"
    await handle.execute_update(
        "record_learning_outcome", {"by": "iprg", "service_line": "UC", "outcome": "reissued"}
    )
    await handle.execute_update("close_ipr", {"by": "iprg"})
    outcome = await asyncio.wait_for(handle.result(), 30)
    assert outcome == IprOutcome(stage="closed", accepted=True, closed_on=await _today(env))


@pytest.mark.parametrize("step", ["notice:reminder", "continue_as_new"])
async def test_an_assurance_during_continue_as_new_reaches_the_ipr(
    dev_env: WorkflowEnvironment, gated_worker: str, step: str
) -> None:
    await _assured_while_held(dev_env, step, gated_worker)


def test_an_activity_carries_its_applied_update_ids_into_the_next_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ids travel in ActivityInput as stored JSON and are read back in the new run."""
    info = workflow.UpdateInfo(id="assure-1", name="record_assurance")
    monkeypatch.setattr(shell.workflow, "current_update_info", lambda: info)
    applied = AppliedUpdates()
    first = applied.record(CommandResult(version=3, events=["Assured"]))
    carried = ActivityInput(
        ipr_workflow_id="ipr-X",
        activity_id="ipr-X-activity-1",
        service_line="UC",
        description="d",
        due_on=date(2026, 12, 3),
        agreed_on=date(2026, 12, 2),
        applied_updates=applied.carried(),
    )
    next_input = parse(ActivityInput, to_jsonable_python(carried), stored=True)
    assert AppliedUpdates(next_input.applied_updates).earlier_result() == first
