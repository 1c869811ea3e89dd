"""The bench's billable-action counter (bench/billing.py) over a saved history, with
the counts read off the history event by event."""

from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

from bench.billing import count_actions

HISTORIES = Path(__file__).parent.parent / "histories"


def test_a_saved_case_history_is_counted_event_by_event() -> None:
    # uc_case_replay-5.json: opened with the policy loaded by a local activity (event
    # 5), two updates (22, 62), seven projections (6, 24, 40, 52, 64, 83, 100), seven
    # upserts (18, 30, 46, 58, 70, 106 and the patch's TemporalChangeVersion at 72),
    # the migration child (31), two signals from it (36, 79), one stop signal sent to
    # it (73), two timers (47, 78), one patch marker (71); every activity on attempt 1.
    text = (HISTORIES / "uc_case_replay-5.json").read_text()
    actions = count_actions(WorkflowHistory.from_json("uc-case-replay-5", text))
    assert dict(actions.by_kind) == {
        "start": 1,
        "local_activity_tasks": 1,
        "local_activities": 1,
        "activity": 7,
        "upsert": 7,
        "patch_upserts": 1,
        "update": 2,
        "child_start": 2,
        "signal_received": 2,
        "signal_sent": 1,
        "timer": 2,
        "patch_markers": 1,
    }
    # Billed: start, the local activities' task, 7 activities, 7 upserts (the patch's
    # TemporalChangeVersion among them: an upsert is an action), 2 updates, the child
    # (2), the stop signal sent (1), 2 timers. Not billed: the 2 signals received (their
    # sender, the child, pays for them), the patch marker, the local activity marker.
    assert actions.total == 1 + 1 + 7 + 7 + 2 + 2 + 1 + 2


def _event(kind: int, **attributes: object) -> HistoryEvent:
    return HistoryEvent(event_type=kind, **attributes)  # type: ignore[arg-type]


def test_a_signal_is_billed_once_at_its_sender() -> None:
    sender = count_actions(
        [_event(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED)]
    )
    receiver = count_actions([_event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)])
    assert (sender.total, receiver.total) == (1, 0)
    assert (sender + receiver).total == 1
    assert receiver.by_kind["signal_received"] == 1  # shown, not billed
    assert "not billed: signal_received 1" in receiver.describe()


def test_a_patch_marker_is_not_billed_but_its_change_version_upsert_is() -> None:
    patch = {"marker_name": "core_patch", "workflow_task_completed_event_id": 4}
    change_version = {
        "search_attributes": {"indexed_fields": {"TemporalChangeVersion": {"data": b"[]"}}}
    }
    marker = _event(EventType.EVENT_TYPE_MARKER_RECORDED, marker_recorded_event_attributes=patch)
    upsert = _event(
        EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        upsert_workflow_search_attributes_event_attributes=change_version,
    )
    assert count_actions([marker]).total == 0
    actions = count_actions([marker, upsert])
    assert actions.total == 1
    assert (actions.by_kind["upsert"], actions.by_kind["patch_upserts"]) == (1, 1)
    assert actions.by_kind["patch_markers"] == 1
    assert (
        actions.describe() == "upsert 1 (of which patch_upserts 1)  (not billed: patch_markers 1)"
    )


def test_rejected_updates_retries_and_local_activities_in_one_task() -> None:
    def event(kind: int, **attributes: object) -> HistoryEvent:
        return HistoryEvent(event_type=kind, **attributes)  # type: ignore[arg-type]

    marker = {"marker_name": "core_local_activity", "workflow_task_completed_event_id": 4}
    events = [
        event(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
        event(
            EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
            activity_task_started_event_attributes={"attempt": 3},
        ),
        event(EventType.EVENT_TYPE_MARKER_RECORDED, marker_recorded_event_attributes=marker),
        event(EventType.EVENT_TYPE_MARKER_RECORDED, marker_recorded_event_attributes=marker),
    ]
    actions = count_actions(events, rejected_updates=2)
    # One scheduled activity and two retries; two local activities in task 4 once.
    assert actions.by_kind["activity"] + actions.by_kind["activity_retry"] == 3
    assert actions.by_kind["local_activity_tasks"] == 1
    assert actions.total == 3 + 1 + 2
