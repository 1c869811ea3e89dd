"""The Temporal Schedules that run the manager's-desk jobs (docs/schedules.md), made
the same however often they are applied: when a worker starts, and by
`starter.py schedules apply`.

    work-available-report  daily at 07:00 UK time    WorkAvailableReport
    escalation-digest      Mondays at 08:00 UK time  EscalationDigest (one digest per team)
    retention-sweep        daily at 02:00 UK time    RetentionSweep

Each is in the Europe/London time zone (07:00 is 07:00 in GMT and in BST), with
jitter, overlap policy SKIP (a run still going when the next is due makes the next
one skipped, never two at once) and a catch-up window (after an outage, a missed
run starts late only while it is still useful). Applying creates what is missing
and updates what differs; a schedule an operator paused stays paused, with their
note. The summary and details the Web UI's Schedules page shows are plain text:
they describe the job and hold no personal data, so they need no codec to read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import TaskQueueKind
from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleDescription,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.converter import default as default_converter

if TYPE_CHECKING:
    from temporalio.client import Client

TIME_ZONE = "Europe/London"
MONDAY = 1  # ScheduleCalendarSpec.day_of_week: 0 is Sunday
APPLIED_NOTE = "applied by casework (infra/schedules.py)"


class ScheduleError(Exception):
    """The schedules could not be applied or read; the message says why and what to do."""


@dataclass(frozen=True)
class Plan:
    id: str  # the schedule id, and the prefix of its workflows' ids
    workflow: str  # the workflow type (workflows/scheduled.py)
    when: str  # in words, as docs/schedules.md says it
    calendar: ScheduleCalendarSpec
    jitter: timedelta
    catchup_window: timedelta
    execution_timeout: timedelta
    summary: str
    does: str  # what a run does, in a sentence

    @property
    def details(self) -> str:
        """The Schedules page's details, from the plan's own figures (never restated)."""
        return (
            f"{self.when[0].upper()}{self.when[1:]} (up to {_words(self.jitter)}' jitter). "
            f"{self.does} Overlap: skip. Catch-up: {_words(self.catchup_window)}."
        )


def _words(span: timedelta) -> str:
    """`timedelta(minutes=5)` -> `5 minutes`; hours and days likewise."""
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds and seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} seconds"


PLANS: tuple[Plan, ...] = (
    Plan(
        id="work-available-report",
        workflow="WorkAvailableReport",
        when="daily at 07:00 UK time",
        calendar=ScheduleCalendarSpec(hour=[ScheduleRange(7)], comment="daily 07:00 UK time"),
        jitter=timedelta(minutes=5),
        # A morning's report is still worth building until the working day ends.
        catchup_window=timedelta(hours=10),
        execution_timeout=timedelta(hours=2),
        summary="Work Available Report: every case and IPR needing action today, by team",
        does="Builds the day's Work Available Report in the read model "
        "(`starter.py work-available`).",
    ),
    Plan(
        id="escalation-digest",
        workflow="EscalationDigest",
        when="Mondays at 08:00 UK time",
        calendar=ScheduleCalendarSpec(
            hour=[ScheduleRange(8)],
            day_of_week=[ScheduleRange(MONDAY)],
            comment="Mondays 08:00 UK time",
        ),
        jitter=timedelta(minutes=10),
        # A Monday digest missed in an outage still helps on Tuesday; not later.
        catchup_window=timedelta(days=2),
        execution_timeout=timedelta(hours=2),
        summary="Escalation digest: each team's escalated and overdue work",
        does="One digest per team: income, tenancy sustainment, welfare benefits, "
        "complaints, bereavement, IPR group.",
    ),
    Plan(
        id="retention-sweep",
        workflow="RetentionSweep",
        when="daily at 02:00 UK time",
        calendar=ScheduleCalendarSpec(hour=[ScheduleRange(2)], comment="daily 02:00 UK time"),
        jitter=timedelta(minutes=30),
        # The next night's sweep erases whatever a missed one would have.
        catchup_window=timedelta(hours=20),
        execution_timeout=timedelta(hours=6),
        summary="Retention sweep: erase personal data past its retention period",
        does="Erases each closed case or IPR whose retention period has passed "
        "(`starter.py erase --due --apply`; docs/privacy.md).",
    ),
)

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class Applied:
    id: str
    outcome: Outcome
    when: str
    paused: bool = False


def enabled() -> bool:
    """Whether a worker applies the schedules when it starts (CASEWORK_SCHEDULES=off:
    leave them to `starter.py schedules apply`)."""
    value = os.environ.get("CASEWORK_SCHEDULES", "apply").strip().lower()
    if value not in ("apply", "off"):
        raise ScheduleError(f"CASEWORK_SCHEDULES: {value!r} must be apply or off")
    return value == "apply"


def _plain(text: str) -> Payload:
    """Text the Web UI shows as it is: no personal data, so not sealed by the codec."""
    return default_converter().payload_converter.to_payloads([text])[0]


def schedule_for(
    plan: Plan, task_queue: str, *, paused: bool = False, note: str | None = None
) -> Schedule:
    action = ScheduleActionStartWorkflow(
        plan.workflow,
        id=plan.id,
        task_queue=task_queue,
        execution_timeout=plan.execution_timeout,
    )
    action.static_summary = _plain(plan.summary)
    action.static_details = _plain(plan.details)
    return Schedule(
        action=action,
        spec=ScheduleSpec(calendars=[plan.calendar], jitter=plan.jitter, time_zone_name=TIME_ZONE),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=plan.catchup_window
        ),
        state=ScheduleState(note=note or f"{plan.when}; {APPLIED_NOTE}", paused=paused),
    )


async def apply(client: Client, task_queue: str, plans: Sequence[Plan] = PLANS) -> list[Applied]:
    """Create each schedule, or bring an existing one to its plan (keeping a pause and
    the operator's note). Raises ScheduleError naming the schedule and the reason."""
    applied = []
    for plan in plans:
        try:
            applied.append(await _apply_one(client, task_queue, plan))
        except ScheduleError:
            raise
        except Exception as error:
            raise ScheduleError(f"schedule {plan.id}: {_why(error)}") from error
    return applied


async def _apply_one(client: Client, task_queue: str, plan: Plan) -> Applied:
    try:
        await client.create_schedule(plan.id, schedule_for(plan, task_queue))
        return Applied(plan.id, "created", plan.when)
    except ScheduleAlreadyRunningError:
        pass
    seen: dict[str, object] = {}

    async def updater(current: ScheduleUpdateInput) -> ScheduleUpdate | None:
        state = current.description.schedule.state
        wanted = schedule_for(
            plan,
            task_queue,
            paused=state.paused,
            note=state.note if state.paused else None,  # why it was paused
        )
        seen["paused"] = state.paused
        if await _same(client, current.description, wanted):
            seen["outcome"] = "unchanged"
            return None
        seen["outcome"] = "updated"
        return ScheduleUpdate(schedule=wanted)

    await client.get_schedule_handle(plan.id).update(updater)
    outcome: Outcome = "updated" if seen.get("outcome") == "updated" else "unchanged"
    return Applied(plan.id, outcome, plan.when, bool(seen.get("paused")))


async def _same(client: Client, current: ScheduleDescription, wanted: Schedule) -> bool:
    """Whether the server's schedule is already the plan: spec, action, policies, state."""
    have = current.raw_description.schedule
    want = await wanted._to_proto(client)
    # The server stores the task queue's kind, which the SDK leaves unset.
    want.action.start_workflow.task_queue.kind = TaskQueueKind.TASK_QUEUE_KIND_NORMAL
    return (
        have.spec == want.spec
        and have.action == want.action
        and have.policies == want.policies
        and (have.state.paused, have.state.notes) == (want.state.paused, want.state.notes)
    )


async def describe(client: Client, plans: Sequence[Plan] = PLANS) -> list[ScheduleDescription]:
    """The schedules as the server has them (missing ones raise ScheduleError)."""
    found = []
    for plan in plans:
        try:
            found.append(await client.get_schedule_handle(plan.id).describe())
        except Exception as error:
            raise ScheduleError(f"schedule {plan.id}: {_why(error)}") from error
    return found


def _why(error: Exception) -> str:
    from temporalio.service import RPCError, RPCStatusCode

    if isinstance(error, RPCError):
        if error.status == RPCStatusCode.NOT_FOUND:
            return "not on the server: run `starter.py schedules apply`"
        if error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return f"Temporal did not answer ({error.message}); try again when it is up"
        return f"the server refused it ({error.status.name}): {error.message}"
    return f"{type(error).__name__}: {error}"
