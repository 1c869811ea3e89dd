"""Waiting helpers for tests against a live server."""

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from temporalio.api.common.v1 import Payload, WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import WorkflowHandle
from temporalio.converter import WorkflowSerializationContext
from temporalio.testing import WorkflowEnvironment

from domain.case.view import CaseView
from domain.ipr.model import IprState

T = TypeVar("T")


def shared_env() -> dict[str, str]:
    """What a starter.py or worker.py subprocess needs to share the session's keys:
    the key ring file and the read model that holds the data keys."""
    return {k: os.environ[k] for k in ("CASEWORK_KEY_FILE", "DATABASE_URL") if k in os.environ}


ROOT = Path(__file__).resolve().parents[1]


async def run_starter(
    *args: str, address: str, task_queue: str = "uc-casework", columns: str = "200"
) -> tuple[int | None, str, str]:
    """starter.py in its own process against the server at `address`, its stdout a
    pipe (not a terminal), sharing the session's keys: what a script sees. Returns the
    exit status, stdout and stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "starter.py",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={
            "PATH": "",
            "TEMPORAL_ADDRESS": address,
            "CASEWORK_TASK_QUEUE": task_queue,
            "COLUMNS": columns,
            **shared_env(),
        },
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, stdout.decode(), stderr.decode()


async def settled_history_length(handle: WorkflowHandle, attempts: int = 100) -> int:
    """History length once the workflow is idle: no pending activity and its
    last workflow task completed."""
    for _ in range(attempts):
        # The raw call: the time-skipping server stores an unset Datetime
        # attribute in a form the SDK's decoder rejects.
        desc = await handle._client.workflow_service.describe_workflow_execution(
            DescribeWorkflowExecutionRequest(
                namespace=handle._client.namespace,
                execution=WorkflowExecution(workflow_id=handle.id),
            )
        )
        history = await handle.fetch_history()
        last = history.events[-1].event_type
        if not desc.pending_activities and last in (
            EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
            EventType.EVENT_TYPE_TIMER_STARTED,
            EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
            EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
        ):
            return len(history.events)
        await asyncio.sleep(0.05)
    raise AssertionError("workflow did not settle")


async def plain(handle: WorkflowHandle, payload: Payload) -> Any:
    """A payload read from raw history, decoded as the workflow's client would (the
    codec seals summaries and details too)."""
    converter = handle._client.data_converter.with_context(
        WorkflowSerializationContext(namespace=handle._client.namespace, workflow_id=handle.id)
    )
    [value] = await converter.decode([payload])
    return value


async def eventually(
    probe: Callable[[], Awaitable[T]],
    ok: Callable[[T], bool],
    attempts: int = 200,
    delay: float = 0.05,
) -> T:
    """Poll `probe` until `ok(result)`; for eventually consistent reads (visibility, SQL)."""
    result = await probe()
    for _ in range(attempts):
        if ok(result):
            return result
        await asyncio.sleep(delay)
        result = await probe()
    raise AssertionError(f"condition never held; last value: {result!r}")


UPDATE_EVENTS = (
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
)


async def accepted_updates(handle: WorkflowHandle) -> int:
    history = await handle.fetch_history()
    return sum(1 for e in history.events if e.event_type in UPDATE_EVENTS)


async def search_attributes(handle: WorkflowHandle) -> dict[str, object]:
    """Search attributes by name from the raw description: the time-skipping server
    stores an unset Datetime attribute in a form the SDK's decoder rejects."""
    client = handle._client
    desc = await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=handle.id)
        )
    )
    fields = desc.workflow_execution_info.search_attributes.indexed_fields
    return {name: json.loads(p.data) for name, p in fields.items() if p.data}


async def workflow_task_failure(handle: WorkflowHandle) -> str | None:
    """The message of the latest failed workflow task in the history, if any: a
    workflow whose task keeps failing never completes, it retries for ever."""
    history = await handle.fetch_history()
    failed = [
        e.workflow_task_failed_event_attributes.failure.message
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
    ]
    return failed[-1] if failed else None


async def result_or_stuck(
    env: WorkflowEnvironment, handle: WorkflowHandle, timeout: float = 10.0
) -> Any:
    """The result of a workflow that finishes without time passing, or an AssertionError
    naming why its workflow task keeps failing (instead of hanging until the timeout).
    Time skipping stays locked: on the time-skipping server a result awaited unlocked
    moves the session's clock on to the next timer (or ten years when none is set)."""
    with env.auto_time_skipping_disabled():
        result = asyncio.ensure_future(handle.result())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while loop.time() < deadline:
                done, _ = await asyncio.wait({result}, timeout=0.1)
                if done:
                    return result.result()
                failure = await workflow_task_failure(handle)
                if failure is not None:
                    raise AssertionError(f"{handle.id}: workflow task failing: {failure}")
            raise AssertionError(f"{handle.id}: no result within {timeout}s")
        finally:
            result.cancel()


async def arrangement_id(case: WorkflowHandle, n: int = 1) -> str:
    """The id of the case's n-th payment arrangement, as the case recorded it (unique
    to the case: workflows/ids.py)."""
    view = await eventually(
        lambda: case.query("case_view", result_type=CaseView), lambda v: len(v.arrangements) >= n
    )
    return view.arrangements[n - 1].arrangement_id


async def migration_id(case: WorkflowHandle) -> str:
    """The id of the case's managed migration, as the case recorded it."""
    view = await eventually(
        lambda: case.query("case_view", result_type=CaseView), lambda v: v.migration is not None
    )
    assert view.migration is not None
    return view.migration.workflow_id


async def activity_id(ipr: WorkflowHandle, n: int = 1) -> str:
    """The id of the IPR's n-th agreed activity, as the IPR recorded it."""
    state = await eventually(
        lambda: ipr.query("ipr_view", result_type=IprState), lambda s: len(s.activities) >= n
    )
    return state.activities[n - 1].activity_id
