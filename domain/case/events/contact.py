"""Contact with and about the resident."""

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class JournalNoteAdded:
    at: datetime
    by: str
    kind: str
    text: str
    outcome: str


@dataclass(frozen=True)
class InteractionRecorded:
    """Returned post, a complaint, a change of circumstances or an incoming message."""

    at: datetime
    by: str
    kind: str
    summary: str


@dataclass(frozen=True)
class RepresentativeRecorded:
    at: datetime
    by: str
    kind: str
    name: str
    contact: str
    # Their authority is to be verified before decisions needing consent (recorded
    # since that rule; events stored before it read False).
    verification_required: bool = False


@dataclass(frozen=True)
class RepresentativeVerified:
    """The evidence of a representative's authority was seen."""

    at: datetime
    by: str
    verified_on: date
    evidence: str
    # The evidence's reference (a court order or LPA number, a DWP letter's reference):
    # under a key erasure clears (backoffice/erasure.py PERSONAL_KEYS).
    note: str | None = None
