"""What the Web UI's "current details" says about a case: each escalated task by
name, when it was due and what to do; the next task; open safeguarding steps; the
migration's deadlines. Times and dates in UK local time, as staff read them.

Pure: the workflow sets it (not billed) whenever the case changes. It names tasks
and dates, never the resident; and it reaches the Web UI as a payload, which the
codec encrypts with the tenancy's key like every other.
"""

from datetime import datetime

from domain.case.model import CaseState, Task
from domain.dates import uk_date, uk_time
from domain.rent import arrears_band
from domain.teams import task_name, what_to_do


def _task_line(task: Task, now: datetime) -> str:
    due = uk_time(task.due_at)
    what = what_to_do(task.kind)
    text = f"{task_name(task.kind)} ({task.task_id}, {task.owner.replace('_', ' ')})"
    when = f"due {due}" + (" · **overdue**" if task.due_at <= now else "")
    return f"{text}, {when}" + (f": {what}" if what else "")


def current_details(state: CaseState, now: datetime) -> str:
    lines = [f"**Stage** {state.stage.replace('_', ' ')} · **Status** {state.status}"]
    band = arrears_band(state.balance, state.monthly_rent)
    tier = state.vulnerability.tier if state.vulnerability else "unassessed"
    lines.append(f"**Arrears** {band} · **Vulnerability** {tier}")
    if state.open_plan_steps:
        # A declaration escalates the case until every step is recorded.
        steps = "; ".join(s.replace("_", " ") for s in state.open_plan_steps)
        lines.append(
            f"**ESCALATED** **Six-Point Plan open**: record each step ({steps}); "
            "the case cannot close until they are"
        )
    open_tasks = sorted(state.open_tasks, key=lambda t: t.due_at)
    escalated = [t for t in open_tasks if t.escalated_at is not None]
    for task in escalated:
        lines.append(f"**ESCALATED** {_task_line(task, now)}")
    waiting = [t for t in open_tasks if t.escalated_at is None]
    if waiting:
        lines.append(f"**Next** {_task_line(waiting[0], now)}")
        if len(waiting) > 1:
            lines.append(f"and {len(waiting) - 1} more open task(s)")
    elif not escalated:
        lines.append("**Next** no task open")
    migration = state.migration
    if migration is not None and migration.active:
        lines.append(
            f"**Managed migration** deadline day {uk_date(migration.deadline_day)} · "
            f"{migration.status.replace('_', ' ')}"
        )
    if state.closure is not None:
        lines.append(
            f"**Closed** {state.closure.outcome} · watched until "
            f"{uk_date(state.closure.watch_until)}"
        )
    return "\n\n".join(lines)
