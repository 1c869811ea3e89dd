"""Billable actions counted from a workflow's history (ENGINEERING.md, "Cost model").

One function, used by every bench command and the unit test. Per event:

- a workflow start (`WorkflowExecutionStarted`: client start, update-with-start, a
  continued run, a child's own start event): 1;
- a timer started: 1;
- a signal: 1, at the sender (`SignalExternalWorkflowExecutionInitiated`); the
  receiver's `WorkflowExecutionSignaled` is the same signal and is not billed again
  (listed as `signal_received`). A client's signal (`SignalWorkflowExecution`) is
  billed too but leaves only the receiver's event: every signal in this project is
  sent by a workflow, so none is missed;
- an update accepted: 1 (a rejected update leaves no event: pass `rejected_updates`,
  counted by the client that sent them);
- a search-attribute upsert: 1, the SDK's `TemporalChangeVersion` upsert for a
  patch included (it is an action; how many of the upserts it is is shown as
  `patch_upserts`);
- an activity attempt: 1 per `ActivityTaskScheduled`, plus `attempt - 1` retries
  read from its `ActivityTaskStarted` (the server records only the last attempt);
- a child workflow start (`StartChildWorkflowExecutionInitiated`): 2;
- local activities: their markers in one workflow task count once together;
- a marker is not an action: a patch marker (`core_patch`) is not billed (listed
  as `patch_markers`), and local activities are billed by workflow task (above).

A continue-as-new is billed through the next run's start event: count each run's
history once.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

_ONE = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: "start",
    EventType.EVENT_TYPE_TIMER_STARTED: "timer",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: "signal_received",  # not billed
    EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: "signal_sent",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "update",
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: "upsert",
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activity",
}
LOCAL_ACTIVITY_MARKER = "core_local_activity"
PATCH_MARKER = "core_patch"
CHANGE_VERSION = "TemporalChangeVersion"
# Categories whose count is not billed (shown for the reader).
NOT_BILLED = ("signal_received", "patch_markers", "local_activities")
# Parts of a billed category, shown apart but already in it (not added again).
PART_OF = {"patch_upserts": "upsert"}


@dataclass
class Actions:
    by_kind: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(n for k, n in self.by_kind.items() if k not in NOT_BILLED and k not in PART_OF)

    def __add__(self, other: "Actions") -> "Actions":
        return Actions(self.by_kind + other.by_kind)

    def describe(self) -> str:
        order = [
            "start", "update", "update_rejected", "activity", "activity_retry",
            "local_activity_tasks", "upsert", "timer", "signal_sent", "child_start",
        ]  # fmt: skip
        billed = ", ".join(
            f"{k} {self.by_kind[k]}" + self._parts(k) for k in order if self.by_kind[k]
        )
        extra = ", ".join(f"{k} {self.by_kind[k]}" for k in NOT_BILLED if self.by_kind[k])
        return billed + (f"  (not billed: {extra})" if extra else "")

    def _parts(self, kind: str) -> str:
        parts = [f"{p} {n}" for p, of in PART_OF.items() if of == kind and (n := self.by_kind[p])]
        return f" (of which {', '.join(parts)})" if parts else ""


def count_actions(
    history: WorkflowHistory | Iterable[HistoryEvent], rejected_updates: int = 0
) -> Actions:
    """The billable actions of one run's history (see the module's rules)."""
    events = history.events if isinstance(history, WorkflowHistory) else history
    kinds: Counter[str] = Counter()
    local_tasks: set[int] = set()
    for event in events:
        kind = _ONE.get(event.event_type)
        if kind is not None:
            kinds[kind] += 1
        if event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            fields = event.upsert_workflow_search_attributes_event_attributes
            if set(fields.search_attributes.indexed_fields) == {CHANGE_VERSION}:
                kinds["patch_upserts"] += 1
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            attempt = event.activity_task_started_event_attributes.attempt
            kinds["activity_retry"] += max(attempt - 1, 0)
        elif event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            kinds["child_start"] += 2
        elif event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            marker = event.marker_recorded_event_attributes
            if marker.marker_name == LOCAL_ACTIVITY_MARKER:
                kinds["local_activities"] += 1
                local_tasks.add(marker.workflow_task_completed_event_id)
            elif marker.marker_name == PATCH_MARKER:
                kinds["patch_markers"] += 1
    kinds["local_activity_tasks"] += len(local_tasks)
    kinds["update_rejected"] += rejected_updates
    return Actions(+kinds)
