"""Contact with and about the resident."""

from dataclasses import dataclass
from datetime import datetime


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
