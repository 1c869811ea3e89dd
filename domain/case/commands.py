"""Commands a back-office system sends to a UC case, one frozen dataclass each.

They are validated on construction (types, lengths, unknown fields), so a
payload that does not fit is refused with the field's path before `decide`
applies the business rules. COMMANDS maps each update name to its type.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass

from domain.arrangements.rules import ApaType, DeductionKind
from domain.bounds import MAX_AMOUNT, MAX_ITEMS
from domain.case.model import (
    STRICT,
    Actor,
    Money,
    OpeningReason,
    Rent,
    Resident,
    SustainmentKind,
    SustainmentStatus,
    Tenancy,
    TenancyRef,
)
from domain.migration.model import MigrationStatus, ProtectionStatus
from domain.values import (
    ONE_LINE,
    Amount,
    BusinessDate,
    CallBackMoment,
    Label,
    Note,
    PastDate,
    PositiveAmount,
    Short,
    Tag,
    Text,
    UcDate,
    at_most,
    at_most_items,
    stored,
)

Secret = Annotated[str, Field(max_length=100)]
# Progress notices come from this case's own children and are read in signal handlers,
# which run again on replay: they keep the rules they were written under.
NoticeText = Annotated[str, Field(min_length=1, max_length=4000)]
NoticeShort = Annotated[str, Field(min_length=1, max_length=200)]


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
class RecordClaimStatus:
    by: Actor
    claim_stage: Literal[
        "claim_made", "awaiting_first_payment", "in_payment", "nil_award", "claim_closed"
    ]
    first_ap_start: UcDate
    housing_element: Amount
    conditionality_regime: Literal[
        "no_work_requirements",
        "work_focused_interview",
        "work_preparation",
        "all_work_requirements",
    ]
    sanctions: bool = False


@dataclass(frozen=True, config=STRICT)
class RecordRentMovement:
    by: Actor
    # tpd_credit: a third party deduction paid to the landlord by DWP.
    kind: Literal["charge", "payment", "tpd_credit", "balance", "missed_uc_payment"]
    amount: Money
    on: BusinessDate
    reference: Annotated[str, Field(max_length=64), ONE_LINE] | None = None

    @field_validator("amount")
    @classmethod
    def _one_movement(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        # `balance` sets the balance (within ±£100,000); anything else moves it.
        moves = info.data.get("kind", "balance") != "balance"
        if moves and abs(amount) > MAX_AMOUNT and not stored(info):
            raise ValueError(f"one movement is at most £{MAX_AMOUNT:,}")
        return amount


@dataclass(frozen=True, config=STRICT)
class RecordVulnerabilityAssessment:
    by: Actor
    factors: Annotated[tuple[Tag, ...], at_most_items(MAX_ITEMS)] = ()
    notes: Note = ""


@dataclass(frozen=True, config=STRICT)
class AddJournalNote:
    by: Actor
    text: Text
    kind: Literal[
        "note",
        "phone_in",
        "phone_out",
        "letter_in",
        "letter_out",
        "email_in",
        "email_out",
        "visit",
        "dwp_contact",
        "internal",
    ] = "note"
    outcome: Short = "recorded"


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
class RecordSafeguardingDeclaration:
    by: Actor
    kind: Literal["suicidal_intent", "self_harm"]
    note: Note = ""


@dataclass(frozen=True, config=STRICT)
class CompletePlanStep:
    by: Actor
    step: Short
    note: Note = ""


@dataclass(frozen=True, config=STRICT)
class RecordDeath:
    by: Actor
    date_of_death: PastDate
    informant: Short


@dataclass(frozen=True, config=STRICT)
class RequestCallBack:
    by: Actor
    due_at: CallBackMoment
    reason: Text


@dataclass(frozen=True, config=STRICT)
class RecordReturnedPost:
    by: Actor
    item: Short


@dataclass(frozen=True, config=STRICT)
class RecordComplaint:
    by: Actor
    summary: Text


@dataclass(frozen=True, config=STRICT)
class RecordRepresentative:
    by: Actor
    kind: Literal["appointee", "lasting_power_of_attorney", "deputy"]
    name: Short
    contact: Short


@dataclass(frozen=True, config=STRICT)
class RecordChangeOfCircumstances:
    by: Actor
    description: Text


@dataclass(frozen=True, config=STRICT)
class RecordIncomingMessage:
    by: Actor
    channel: Literal["uc_journal", "email", "portal", "letter", "phone"]
    summary: Text


@dataclass(frozen=True, config=STRICT)
class CompleteTask:
    by: Actor
    task_id: Label
    outcome: Short


@dataclass(frozen=True, config=STRICT)
class RecordEnforcementStep:
    by: Actor
    step: Literal[
        "notice_of_seeking_possession", "possession_claim", "eviction_warrant", "payment_suspension"
    ]
    note: Note = ""


@dataclass(frozen=True, config=STRICT)
class RecordMigrationNotice:
    by: Actor
    notice_issued: UcDate
    deadline_day: UcDate
    reissued: bool = False
    # A tax credit claimant over £16,000 on migration day gets the capital disregard.
    tax_credits: bool = False


@dataclass(frozen=True, config=STRICT)
class RecordMigrationProgress:
    """Sent by the case's ManagedMigration workflow, not by a back office."""

    kind: NoticeShort
    text: NoticeText
    status: MigrationStatus
    protection: ProtectionStatus
    escalate: bool = False
    outreach: bool = False
    # False once the migration has finished (the case may then complete).
    active: bool = True
    # The secret the case gave the migration it started (domain/notices.py); none from
    # a migration started before secrets existed.
    notice_secret: Secret | None = None


@dataclass(frozen=True, config=STRICT)
class OtherDeduction:
    """A third party deduction DWP already takes from the award."""

    kind: DeductionKind
    monthly_amount: PositiveAmount


@dataclass(frozen=True, config=STRICT)
class RequestPaymentArrangement:
    by: Actor
    kind: Literal["apa", "mptl", "tpd"]
    # For an APA: the type wanted; by default the first that fits, in DWP's order.
    apa_type: ApaType | None = None
    # The claim is a couple's (split payments are between partners).
    couple: bool = False
    # For a managed payment (MPTL): the facts behind its conditions.
    months_underpaid: Annotated[int, Field(ge=0), at_most(120)] = 0
    hb_paid_to_landlord_before: bool = False
    # For a rent arrears deduction (TPD): the rate asked for and the deductions DWP
    # takes for others. This case's own TPDs are not listed: the case counts those
    # itself while they are live, so listing them would count them twice.
    deduction_rate: Annotated[Decimal, Field(max_digits=5, decimal_places=2)] | None = None
    existing_deductions: Annotated[int, Field(ge=0), at_most(MAX_ITEMS)] = 0
    # When known (from the award statement): the monthly standard allowance, the
    # award before deductions, the deductions already taken and the AP they apply
    # to. The deduction is then worked out in pounds, the 1p floor and the overall
    # cap checked, and the amount printed on the UC47.
    standard_allowance: PositiveAmount | None = None
    award_before_deductions: Amount | None = None
    other_deductions: Annotated[tuple[OtherDeduction, ...], at_most_items(MAX_ITEMS)] = ()
    ap_start: UcDate | None = None


@dataclass(frozen=True, config=STRICT)
class EndPaymentArrangement:
    """Withdraw a request DWP has not decided, or record that a running one ended."""

    by: Actor
    arrangement_id: Label
    ended_on: BusinessDate
    reason: Literal[
        "withdrawn_by_landlord",
        "arrears_cleared",
        "dwp_stopped",
        "claim_ended",
        "tenancy_ended",
    ]


@dataclass(frozen=True, config=STRICT)
class RecordArrangementProgress:
    """Sent by the case's PaymentArrangement workflows, not by a back office."""

    arrangement_id: NoticeShort
    kind: NoticeShort
    text: NoticeText
    status: NoticeShort
    task: Literal["arrangement_chase", "arrangement_follow_up", "arrangement_review"] | None = None
    escalate: bool = False
    form_sha256: Annotated[str, Field(max_length=64)] | None = None
    form_path: Annotated[str, Field(max_length=1000)] | None = None
    # The read-model key of the case the request belongs to (a later case for the
    # same tenancy must not take an earlier case's notices).
    case_key: Annotated[str, Field(max_length=200)] | None = None
    # False once the request is finished (the case may then complete).
    active: bool = True
    start_date: date | None = None
    granted_rate: Annotated[Decimal, Field(max_digits=5, decimal_places=2)] | None = None
    review_dates: tuple[date, ...] = ()
    # The APA1 pack kept beside a UC47 (not sent to DWP).
    pack_sha256: Annotated[str, Field(max_length=64)] | None = None
    pack_path: Annotated[str, Field(max_length=1000)] | None = None
    # The secret the case gave the arrangement it started (domain/notices.py); none
    # from an arrangement started before secrets existed.
    notice_secret: Secret | None = None


@dataclass(frozen=True, config=STRICT)
class RecordUc50Issued:
    """The capability-for-work questionnaire, due back within 4 weeks."""

    by: Actor
    issued_on: BusinessDate


@dataclass(frozen=True, config=STRICT)
class StartSustainmentAction:
    by: Actor
    kind: SustainmentKind
    note: Note = ""
    owner: Label = "tenancy_sustainment"
    follow_up_days: Annotated[int, Field(ge=1, le=90)] = 14


@dataclass(frozen=True, config=STRICT)
class UpdateSustainmentAction:
    by: Actor
    action_id: Label
    status: SustainmentStatus
    note: Note = ""
    follow_up_days: Annotated[int, Field(ge=1, le=90)] | None = None
    # A Discretionary Housing Payment award: its period and monthly amount.
    award_from: BusinessDate | None = None
    award_to: BusinessDate | None = None
    amount: PositiveAmount | None = None
    # A DHP: the day the application went to the local authority, and the day it decided.
    applied_on: BusinessDate | None = None
    decided_on: BusinessDate | None = None


@dataclass(frozen=True, config=STRICT)
class AgreeArrearsPlan:
    by: Actor
    target_balance: Annotated[Money, Field(ge=0)]
    by_date: BusinessDate
    tolerance: Amount = Decimal("50.00")


# Update name -> command type: the names a back-office system calls.
COMMANDS: dict[str, type] = {
    "record_claim_status": RecordClaimStatus,
    "record_rent_movement": RecordRentMovement,
    "record_vulnerability_assessment": RecordVulnerabilityAssessment,
    "add_journal_note": AddJournalNote,
    "move_stage": MoveStage,
    "close_case": CloseCase,
    "reopen_case": ReopenCase,
    "record_safeguarding_declaration": RecordSafeguardingDeclaration,
    "complete_plan_step": CompletePlanStep,
    "record_death": RecordDeath,
    "request_call_back": RequestCallBack,
    "record_returned_post": RecordReturnedPost,
    "record_complaint": RecordComplaint,
    "record_representative": RecordRepresentative,
    "record_change_of_circumstances": RecordChangeOfCircumstances,
    "record_incoming_message": RecordIncomingMessage,
    "complete_task": CompleteTask,
    "record_enforcement_step": RecordEnforcementStep,
    "record_migration_notice": RecordMigrationNotice,
    "request_payment_arrangement": RequestPaymentArrangement,
    "end_payment_arrangement": EndPaymentArrangement,
    "record_uc50_issued": RecordUc50Issued,
    "start_sustainment_action": StartSustainmentAction,
    "update_sustainment_action": UpdateSustainmentAction,
    "agree_arrears_plan": AgreeArrearsPlan,
}
