"""Payment arrangements the case requested, and the facts each rests on."""

from dataclasses import dataclass as record
from datetime import date, datetime
from decimal import Decimal

from domain.arrangements.progress import ArrangementProgress
from domain.case.model.arrears import RentLine
from domain.case.model.contact import Representative


@record(frozen=True)
class RequestFacts:
    """What a payment arrangement request rests on, fixed when it is decided: the
    forms are rendered from these, never from the case as it is later."""

    requested_by: str
    requested_on: date
    balance: Decimal
    monthly_rent: Decimal
    rent_extract: tuple[RentLine, ...]
    factors: tuple[str, ...]
    grounds: tuple[str, ...]
    assessed_on: date | None = None
    assessed_by: str | None = None
    # The forms it produces in order; the last goes to DWP, the others are kept.
    forms: tuple[str, ...] = ()
    standard_allowance: Decimal | None = None
    deduction_amount: Decimal | None = None
    correspondent: Representative | None = None
    # A rent arrears deduction: the award statement its earnings test read (the AP
    # before the deduction starts), and why it is asked for below the guidance level.
    earnings_ap_start: date | None = None
    earned_income: Decimal | None = None
    work_allowance: Decimal | None = None
    below_guidance_reason: str | None = None


@record(frozen=True)
class ArrangementSummary(ArrangementProgress):
    """A request as the case knows it; the progress its child last reported (its
    forms, DWP's decision) is inherited."""

    arrangement_id: str
    kind: str
    apa_type: str | None
    requested_at: datetime
    status: str = "requested"
    deduction_rate: Decimal | None = None
    active: bool = True
    facts: RequestFacts | None = None
    # Ended by the case (a death, arrears cleared, DWP stopped it): the date and why.
    ended_on: date | None = None
    ended_reason: str | None = None
