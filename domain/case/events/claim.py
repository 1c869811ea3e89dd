"""What the DWP portal showed of the UC claim."""

from dataclasses import dataclass
from datetime import datetime

from domain.case.model import ClaimStatus


@dataclass(frozen=True)
class ClaimStatusRecorded:
    at: datetime
    by: str
    claim: ClaimStatus
