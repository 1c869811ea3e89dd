"""The case's tasks: what is to be done, by whom, by when."""

from dataclasses import dataclass as record
from datetime import datetime
from typing import Literal

TaskKind = Literal[
    "call_back",
    "re_establish_contact",
    "complaint_follow_up",
    "case_control",
    "message_response",
    "bereavement_handling",
    "reopened_review",
    "migration_outreach",
    "migration_follow_up",
    "arrangement_chase",
    "arrangement_follow_up",
    "arrangement_review",
    "uc50_return",
    "uc50_reminder",
    "sustainment_follow_up",
    "recovery_behind_plan",
    "recovery_plan_missed",
    "verify_representative",
]
TaskStatus = Literal["open", "done", "cancelled"]


@record(frozen=True)
class Task:
    task_id: str
    kind: TaskKind
    due_at: datetime
    opened_at: datetime
    note: str = ""
    owner: str = "income_team"
    status: TaskStatus = "open"
    escalated_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    # What the task follows up (an arrangement or sustainment action id).
    subject: str | None = None
