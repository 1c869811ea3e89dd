"""What the DWP portal showed of the UC claim, and an AP's award statement."""

from dataclasses import dataclass
from datetime import datetime

from domain.case.model import AwardStatement, ClaimStatus


@dataclass(frozen=True)
class ClaimStatusRecorded:
    at: datetime
    by: str
    claim: ClaimStatus


@dataclass(frozen=True)
class AwardStatementRecorded:
    at: datetime
    by: str
    statement: AwardStatement
