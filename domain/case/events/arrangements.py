"""Payment arrangements requested, progressed, renumbered and ended."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.arrangements.progress import ArrangementProgress
from domain.case.model import RequestFacts


@dataclass(frozen=True)
class PaymentArrangementRequested:
    at: datetime
    by: str
    arrangement_id: str
    kind: str
    apa_type: str | None
    deduction_rate: Decimal | None
    reasons: tuple[str, ...]
    facts: RequestFacts | None = None


@dataclass(frozen=True)
class ArrangementEnded:
    """The case ends a request or a running arrangement: withdrawn before DWP's
    decision, ended after it (a death, arrears cleared, DWP stopped it)."""

    at: datetime
    by: str
    arrangement_id: str
    ended_on: date
    reason: str
    status: str  # "withdrawn" or "ended"


@dataclass(frozen=True)
class ArrangementRenumbered:
    """An earlier case of this tenancy already used the arrangement's id."""

    at: datetime
    by: str
    arrangement_id: str
    new_id: str


@dataclass(frozen=True)
class ArrangementProgressed(ArrangementProgress):
    """A notice from the request's child, with the progress it records (inherited)."""

    at: datetime
    by: str
    arrangement_id: str
    kind: str
    text: str
    status: str
    active: bool = True
