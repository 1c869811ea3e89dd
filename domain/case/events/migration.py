"""The migration notice and the progress of the managed migration."""

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class MigrationNoticeRecorded:
    at: datetime
    by: str
    notice_issued: date
    deadline_day: date
    reissued: bool
    tax_credits: bool
    workflow_id: str


@dataclass(frozen=True)
class MigrationProgressed:
    at: datetime
    by: str
    kind: str
    text: str
    status: str
    protection: str
    active: bool = True
