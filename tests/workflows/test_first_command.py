"""The first command is never refused: a case opens in its first moment, so a command
sent with the start (update-with-start) is applied. (Queries answering at once:
tests/integration/test_opening.py.)"""

import uuid

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from backoffice.cases import open_case_with
from domain.case import commands as c
from tests.factories import opening
from workflows.contracts import CommandResult
from workflows.uc_case import UCCase, case_workflow_id


def _ref() -> str:
    return f"F-{uuid.uuid4().hex[:10]}"


async def _event_types(handle: WorkflowHandle) -> list[int]:
    return [e.event_type for e in (await handle.fetch_history()).events]


async def test_a_command_sent_with_the_start_is_applied_in_the_first_workflow_task(
    client: Client, ts_worker: str
) -> None:
    ref = _ref()
    note = c.AddJournalNote(by="officer-1", text="opened on the phone")
    handle, result = await open_case_with(
        client, ts_worker, opening(ref), "add_journal_note", note, "first-1"
    )
    assert result == CommandResult(version=2, events=["JournalNoteAdded"])
    journal = await handle.query("journal")
    assert [entry["text"] for entry in journal][-1] == "opened on the phone"
    events = await _event_types(handle)
    # Accepted in the first workflow task: no policy to load (no local activity
    # marker besides the patch's), nothing before it to wait for.
    first_task_done = events.index(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
    accepted = events.index(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
    assert first_task_done < accepted
    between = events[first_task_done + 1 : accepted]
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED not in between
    history = await handle.fetch_history()
    markers = [
        e.marker_recorded_event_attributes.marker_name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    ]
    # Patch markers only (case-opens-in-init among them); no local activity's marker.
    assert set(markers) == {"core_patch"} and len(markers) >= 1


async def test_a_case_from_an_older_client_waits_for_its_policy_instead_of_refusing(
    client: Client, ts_worker: str
) -> None:
    # An input without a policy (as older clients send): the case still loads it,
    # and the first command waits in its handler for the case to open.
    ref = _ref()
    start = WithStartWorkflowOperation(
        UCCase.run,
        opening(ref),
        id=case_workflow_id(ref),
        task_queue=ts_worker,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    result = await client.execute_update_with_start_workflow(
        "add_journal_note",
        c.AddJournalNote(by="officer-1", text="early"),
        start_workflow_operation=start,
        result_type=CommandResult,
    )
    assert result == CommandResult(version=2, events=["JournalNoteAdded"])
