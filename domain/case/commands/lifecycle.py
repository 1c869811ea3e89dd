"""Opening a case, moving its stage, closing and reopening it, and a death."""

from decimal import Decimal
from typing import Literal

from pydantic.dataclasses import dataclass

from domain.case.model import (
    STRICT,
    Actor,
    Money,
    OpeningReason,
    Rent,
    Resident,
    Tenancy,
    TenancyRef,
)
from domain.values import Note, PastDate, Short, Text


@dataclass(frozen=True, config=STRICT)
class OpenCase:
    """The input of a UCCase workflow."""

    tenancy_ref: TenancyRef
    opening_reason: OpeningReason
    opened_by: Actor
    resident: Resident
    tenancy: Tenancy
    rent: Rent
    balance: Money = Decimal("0")


@dataclass(frozen=True, config=STRICT)
class MoveStage:
    by: Actor
    stage: Literal["payment_arrangement", "tenancy_sustainment", "managed_migration", "recovery"]
    reason: Text


@dataclass(frozen=True, config=STRICT)
class CloseCase:
    by: Actor
    outcome: Short
    reason: Note = ""


@dataclass(frozen=True, config=STRICT)
class ReopenCase:
    by: Actor
    reason: Text


@dataclass(frozen=True, config=STRICT)
class RecordDeath:
    by: Actor
    date_of_death: PastDate
    informant: Short
