"""The managed migration as the case sees it."""

from dataclasses import dataclass as record
from datetime import date


@record(frozen=True)
class MigrationSummary:
    notice_issued: date
    deadline_day: date
    workflow_id: str
    tax_credits: bool
    reissued: bool
    status: str = "notice_issued"
    protection: str = "pending"
    active: bool = True
