"""The instants a case waits for; the workflow turns the earliest into one timer."""

from datetime import datetime

from domain.case.model import CaseState
from domain.dates import end_of_day, uk_date, uk_time
from domain.teams import task_name


def watch_end(state: CaseState) -> datetime | None:
    """The watch covers the whole of its last day: it ends at the midnight after."""
    if state.status != "closed" or state.closure is None:
        return None
    if state.migration is not None and state.migration.active:
        return None  # a case does not complete while its migration is still tracked
    if any(a.active for a in state.arrangements):
        return None  # nor while a payment arrangement request is live
    return end_of_day(state.closure.watch_until)


def next_action_due(state: CaseState) -> datetime | None:
    """Earliest due time among open tasks (escalated ones included: they are still owed)."""
    return min((t.due_at for t in state.open_tasks), default=None)


def next_wakeup(state: CaseState) -> tuple[datetime, str] | None:
    """When the case must next act on its own, and why (a readable timer summary)."""
    candidates = [
        (t.due_at, f"{task_name(t.kind)}, due {uk_time(t.due_at)}: escalate if not done")
        for t in state.open_tasks
        if t.escalated_at is None
    ]
    end = watch_end(state)
    if end is not None:
        candidates.append((end, "post-closure watch ends: complete the case"))
    plan = state.arrears_plan
    if plan is not None and plan.outcome is None and state.status != "completed":
        candidates.append(
            (
                end_of_day(plan.by_date),
                f"arrears plan ends {uk_date(plan.by_date)}: met or missed",
            )
        )
    return min(candidates, default=None)
