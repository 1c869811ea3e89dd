"""Tasks a decision opens, escalates or completes; the rule that finds a task's subject."""

import re
from datetime import datetime

from domain.case import commands as c
from domain.case import events as e
from domain.case.model import CaseState, Task, TaskKind
from domain.errors import DomainError


def new_task(
    state: CaseState,
    now: datetime,
    by: str,
    kind: TaskKind,
    due: datetime,
    note: str,
    owner: str = "income_team",
    subject: str | None = None,
) -> e.TaskOpened:
    # Numbered after every task the state holds: a decision opening more than one
    # passes the state with those it opened already applied (domain/shared/decision.py).
    task_id = f"task-{len(state.tasks) + 1}"
    if state.deceased_on is not None and owner == "income_team":
        # After a death the income team's follow-ups become the bereavement
        # team's, never a chase; complaints stay with the complaints team.
        owner = "bereavement_team"
    return e.TaskOpened(
        at=now,
        by=by,
        task_id=task_id,
        kind=kind,
        due_at=due,
        owner=owner,
        note=note,
        subject=subject,
    )


def escalation(
    state: CaseState,
    now: datetime,
    kind: TaskKind,
    note: str,
    subject: str | None = None,
) -> list[e.Event]:
    """A task due now and escalated at once: what needs someone today."""
    task = new_task(state, now, e.SYSTEM, kind, now, note, subject=subject)
    return [task, e.TaskEscalated(at=now, by=e.SYSTEM, task_id=task.task_id)]


def follows(task: Task, subject: str) -> bool:
    """Whether a task follows up this arrangement or action (tasks opened before
    tasks had a subject name it at the start of their note)."""
    if task.subject is not None:
        return task.subject == subject
    return re.search(rf"(?<![\w-]){re.escape(subject)}(?![\w-])", task.note) is not None


def complete_task(state: CaseState, cmd: c.CompleteTask, now: datetime) -> list[e.Event]:
    if cmd.task_id not in {t.task_id for t in state.open_tasks}:
        open_ids = ", ".join(t.task_id for t in state.open_tasks) or "none"
        raise DomainError("task_id", f"not an open task on this case; open tasks: {open_ids}")
    return [e.TaskCompleted(at=now, by=cmd.by, task_id=cmd.task_id, outcome=cmd.outcome)]
