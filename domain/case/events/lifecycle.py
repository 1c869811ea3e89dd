"""A case opened, moved on, closed, reopened and completed; a death recorded."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.case.model import Rent, Resident, Tenancy


@dataclass(frozen=True)
class CaseOpened:
    at: datetime
    by: str
    tenancy_ref: str
    opening_reason: str
    resident: Resident
    tenancy: Tenancy
    rent: Rent
    monthly_rent: Decimal
    balance: Decimal


@dataclass(frozen=True)
class StageMoved:
    at: datetime
    by: str
    stage: str
    reason: str


@dataclass(frozen=True)
class CaseClosed:
    at: datetime
    by: str
    outcome: str
    reason: str
    balance_at_closure: Decimal
    watch_until: date


@dataclass(frozen=True)
class CaseReopened:
    at: datetime
    by: str
    reason: str


@dataclass(frozen=True)
class WatchEnded:
    at: datetime
    by: str


@dataclass(frozen=True)
class DeathRecorded:
    at: datetime
    by: str
    date_of_death: date
    informant: str
