"""Tenancy sustainment actions started and updated."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class SustainmentStarted:
    at: datetime
    by: str
    action_id: str
    kind: str
    owner: str
    note: str


@dataclass(frozen=True)
class SustainmentUpdated:
    at: datetime
    by: str
    action_id: str
    status: str
    note: str
    award_from: date | None
    award_to: date | None
    amount: Decimal | None
    applied_on: date | None = None
    decided_on: date | None = None
