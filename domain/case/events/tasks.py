"""The case's tasks opened, completed, escalated and cancelled."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TaskOpened:
    at: datetime
    by: str
    task_id: str
    kind: str
    due_at: datetime
    owner: str
    note: str
    subject: str | None = None


@dataclass(frozen=True)
class TaskCompleted:
    at: datetime
    by: str
    task_id: str
    outcome: str


@dataclass(frozen=True)
class TaskEscalated:
    at: datetime
    by: str
    task_id: str


@dataclass(frozen=True)
class TasksCancelled:
    at: datetime
    by: str
    task_ids: tuple[str, ...]
    reason: str
