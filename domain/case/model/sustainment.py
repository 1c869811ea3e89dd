"""Tenancy sustainment actions."""

from dataclasses import dataclass as record
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

SustainmentKind = Literal[
    "welfare_benefit_referral", "foodbank_voucher", "energy_support", "dhp", "debt_advice"
]
SustainmentStatus = Literal[
    "requested", "in_progress", "awaiting_decision", "completed", "declined", "awarded", "refused"
]
FINAL_SUSTAINMENT = ("completed", "declined", "awarded", "refused")


@record(frozen=True)
class SustainmentAction:
    action_id: str
    kind: str
    owner: str
    status: str
    opened_at: datetime
    note: str = ""
    award_from: date | None = None
    award_to: date | None = None
    amount: Decimal | None = None
    applied_on: date | None = None
    decided_on: date | None = None
