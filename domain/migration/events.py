"""Events of a managed migration. Each carries when and by whom, and what the
case's journal should say about it (`journal`) and whether it escalates."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.migration.model import APRecord, Reminder
from domain.shared.actors import SYSTEM as SYSTEM


@dataclass(frozen=True)
class ReminderDue:
    at: datetime
    by: str
    on: date
    label: str


@dataclass(frozen=True)
class ExtensionGranted:
    at: datetime
    by: str
    asked_on: date
    deadline_day: date
    final_deadline: date
    reminders: tuple[Reminder, ...]


@dataclass(frozen=True)
class DeadlineMissed:
    at: datetime
    by: str
    deadline_day: date


@dataclass(frozen=True)
class FinalDeadlinePassed:
    at: datetime
    by: str
    final_deadline: date


@dataclass(frozen=True)
class ClaimRecorded:
    at: datetime
    by: str
    claim_date: date
    award_start: date | None


@dataclass(frozen=True)
class MigrationDayRecorded:
    at: datetime
    by: str
    migration_day: date


@dataclass(frozen=True)
class CapitalOnMigrationDayRecorded:
    at: datetime
    by: str
    capital: Decimal
    disregard_applies: bool


@dataclass(frozen=True)
class TransitionalAmountsRecorded:
    at: datetime
    by: str
    legacy_total: Decimal
    indicative_uc: Decimal
    benefit_cap: Decimal | None
    te_initial: Decimal
    state_pension_deferral: bool


@dataclass(frozen=True)
class APAssessed:
    at: datetime
    by: str
    record: APRecord
    earnings_rule_applies: bool
    disregard_live: bool
    disregard_aps_used: int


@dataclass(frozen=True)
class ProtectionSuspended:
    at: datetime
    by: str
    window_ends: date


@dataclass(frozen=True)
class Reclaimed:
    at: datetime
    by: str
    claim_date: date
    protected: bool


@dataclass(frozen=True)
class ProtectionEnded:
    at: datetime
    by: str
    reason: str


@dataclass(frozen=True)
class MigrationClosed:
    """A lapsed migration closes when its late-claim window ends with no claim."""

    at: datetime
    by: str
    reason: str


@dataclass(frozen=True)
class MigrationEnded:
    """The resident died: the migration ends whatever stage it had reached."""

    at: datetime
    by: str
    date_of_death: date


MigrationEvent = (
    ReminderDue
    | ExtensionGranted
    | DeadlineMissed
    | FinalDeadlinePassed
    | ClaimRecorded
    | MigrationDayRecorded
    | CapitalOnMigrationDayRecorded
    | TransitionalAmountsRecorded
    | APAssessed
    | ProtectionSuspended
    | Reclaimed
    | ProtectionEnded
    | MigrationClosed
    | MigrationEnded
)
