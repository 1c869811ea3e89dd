"""Commands for a managed migration (updates on `uc-migration-<tenancy_ref>`)."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field
from pydantic.dataclasses import dataclass

from domain.bounds import MAX_AMOUNT, MAX_ITEMS
from domain.case.model import STRICT, Actor, Money
from domain.values import Amount, Capital, Tag, UcDate, at_most, at_most_items, pounds

NonNegative = Annotated[Money, Field(ge=0)]
CapKey = Literal["outside_london_single", "outside_london_family", "london_single", "london_family"]


@dataclass(frozen=True, config=STRICT)
class GrantExtension:
    by: Actor
    asked_on: UcDate
    new_deadline_day: UcDate


@dataclass(frozen=True, config=STRICT)
class RecordClaim:
    by: Actor
    claim_date: UcDate


@dataclass(frozen=True, config=STRICT)
class RecordMigrationDay:
    by: Actor
    migration_day: UcDate


@dataclass(frozen=True, config=STRICT)
class RecordCapitalOnMigrationDay:
    by: Actor
    capital: Capital


@dataclass(frozen=True, config=STRICT)
class RecordTransitionalAmounts:
    by: Actor
    legacy_total: Amount
    indicative_uc: Annotated[Money, pounds(-MAX_AMOUNT, MAX_AMOUNT)]
    # Which benefit cap the household is under, or null when exempt: required,
    # as a wrong default would cap a family's TE at the single person's cap.
    benefit_cap: CapKey | None
    state_pension_deferral: bool = False


@dataclass(frozen=True, config=STRICT)
class RecordAwardStatement:
    by: Actor
    ap: Annotated[int, Field(ge=1), at_most(240)]
    elements: Annotated[dict[Tag, Amount], at_most_items(MAX_ITEMS)]
    household: Literal["single", "couple"]
    earnings: NonNegative = Decimal("0")
    capital: Capital = Decimal("0")
    minimum_income_floor: bool = False
    award_ended: Literal["excess_earnings", "other"] | None = None


@dataclass(frozen=True, config=STRICT)
class RecordReclaim:
    by: Actor
    claim_date: UcDate


@dataclass(frozen=True, config=STRICT)
class ResidentDied:
    """From the UC case (its `stop` signal), when the resident's death is recorded:
    no more reminders or chases, and protection ends with the award."""

    by: Actor
    date_of_death: date


MIGRATION_COMMANDS: dict[str, type] = {
    "grant_extension": GrantExtension,
    "record_claim": RecordClaim,
    "record_migration_day": RecordMigrationDay,
    "record_capital_on_migration_day": RecordCapitalOnMigrationDay,
    "record_transitional_amounts": RecordTransitionalAmounts,
    "record_award_statement": RecordAwardStatement,
    "record_reclaim": RecordReclaim,
}
