"""State of one managed migration, from notice to the end of protection."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from domain.migration.capital import CapitalResult

MigrationStatus = Literal[
    "notice_issued",
    "extended",
    "deadline_missed",
    "claimed",
    "claimed_after_deadline",
    "claimed_not_qualifying",
    "lapsed",
    "ended",
]
ProtectionStatus = Literal["pending", "active", "suspended", "ended", "none"]
Household = Literal["single", "couple"]


@dataclass(frozen=True)
class Reminder:
    on: date
    label: str
    sent: bool = False


@dataclass(frozen=True)
class APRecord:
    """One assessment period of a protected award, as assessed."""

    award: int
    number: int
    starts: date
    ends: date
    rates_year: str
    elements: dict[str, Decimal]
    relevant_increases: Decimal
    te_before: Decimal
    te: Decimal
    capital: CapitalResult
    earnings: Decimal
    earnings_threshold: Decimal
    below_threshold_aps: int
    household: Household
    state_pension_deferral_protected: bool
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MigrationState:
    tenancy_ref: str
    case_workflow_id: str
    notice_issued: date
    deadline_day: date
    final_deadline: date
    tax_credits: bool
    year_shift: int
    reminders: tuple[Reminder, ...]
    # The outreach policy, kept so an extension can re-plan the reminders.
    reminder_days_after_notice: int = 14
    reminder_days_before_deadline: tuple[int, ...] = (28, 7, 1)
    status: MigrationStatus = "notice_issued"
    extensions: tuple[date, ...] = ()
    claim_date: date | None = None
    award_starts: tuple[date, ...] = ()
    migration_day: date | None = None
    capital_on_migration_day: Decimal | None = None
    legacy_total: Decimal | None = None
    indicative_uc: Decimal | None = None
    benefit_cap: Decimal | None = None
    te_initial: Decimal | None = None
    te: Decimal = Decimal("0.00")
    state_pension_deferral: bool = False
    disregard_live: bool = False
    disregard_aps_used: int = 0
    household_at_start: Household | None = None
    earnings_rule_applies: bool | None = None
    below_threshold_aps: int = 0
    aps: tuple[APRecord, ...] = ()
    protection: ProtectionStatus = "pending"
    protection_ended_reason: str | None = None
    excess_earnings_window_ends: date | None = None
    completed: bool = False
    version: int = 0

    @property
    def qualifying(self) -> bool:
        return self.status in ("claimed", "claimed_after_deadline")

    @property
    def current_award_start(self) -> date | None:
        return self.award_starts[-1] if self.award_starts else None

    @property
    def aps_in_current_award(self) -> int:
        award = len(self.award_starts)
        return sum(1 for ap in self.aps if ap.award == award)
