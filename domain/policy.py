"""Configurable case-handling defaults (docs/rules.md#case-lifecycle, docs/rules.md#safeguards).

An operator overrides any of these with a JSON file (CASEWORK_POLICY_FILE);
a case captures its policy when it opens and keeps it for its whole life, so
a change of policy never rewrites the rules a running case was judged by.
The policy holds rule parameters only: the landlord's own details are reference
data, read by the form activity each time it renders (activities/policy.py).
"""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass

from domain.ipr.model import IprPolicy

OUTCOME_CATEGORIES = (
    "stable_arrears_clearing",
    "tenancy_ended",
    "moved_off_uc",
    "resident_deceased",
    "transferred",
    "no_further_action",
)

# The steps of DWP's Six-Point Plan for a declaration of suicidal intent or
# self-harm, each of which must be recorded with who and when.
SIX_POINT_PLAN_STEPS = (
    "listen_and_acknowledge",
    "establish_immediate_risk",
    "contact_emergency_services_if_at_risk",
    "signpost_to_support",
    "inform_manager_or_safeguarding_lead",
    "record_and_agree_follow_up",
)


_TEXT = ConfigDict(extra="forbid", str_strip_whitespace=True)


@dataclass(frozen=True, config=_TEXT)
class Landlord:
    """The landlord's own details, printed on every UC47 (and the declaration on every
    APA1): the policy file's `landlord` section or CASEWORK_LANDLORD_* variables, read
    when a form is rendered, never kept by a case (so a new bank account reaches the
    next UC47 of every open case). The defaults are the demo's placeholders: refused
    outside the demo (activities/forms.py, docs/forms.md)."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = "Example Housing Association"
    reference: Annotated[str, Field(min_length=1, max_length=60)] = "EHA-0001"
    account_name: Annotated[str, Field(min_length=1, max_length=200)] = (
        "Example Housing Association Rents"
    )
    sort_code: Annotated[str, Field(pattern=r"^\d{2}-\d{2}-\d{2}$")] = "00-00-00"
    account_number: Annotated[str, Field(pattern=r"^\d{8}$")] = "00000000"
    # Who signs the declaration on every form, and the office's contact (a shared phone
    # and mailbox of the landlord's office, not a person's own): docs/forms.md.
    officer_name: Annotated[str, Field(min_length=1, max_length=200)] = "Demo Officer"
    officer_role: Annotated[str, Field(min_length=1, max_length=200)] = "Income Officer (demo)"
    phone: Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ]{8,18}[0-9]$")] = "0113 496 0000"
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)] = (
        "rents@example.org"
    )


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class CasePolicy:
    watch_months_after_closure: int = Field(default=6, ge=1, le=24)
    # Fraction of one month's rent by which arrears must rise after closure to re-open.
    material_rise_fraction: Decimal = Field(default=Decimal("0.5"), gt=0)
    outcome_categories: tuple[Annotated[str, Field(min_length=1, max_length=40)], ...] = (
        OUTCOME_CATEGORIES
    )
    six_point_plan_steps: tuple[str, ...] = SIX_POINT_PLAN_STEPS
    case_control_days: int = Field(default=14, ge=1)
    returned_post_days: int = Field(default=5, ge=1)
    # Days to see the evidence of a recorded appointee's, attorney's or deputy's authority.
    representative_verification_days: int = Field(default=5, ge=1)
    complaint_follow_up_days: int = Field(default=10, ge=1)
    message_response_hours: int = Field(default=48, ge=1)
    bereavement_handling_days: int = Field(default=5, ge=1)
    reopened_review_days: int = Field(default=2, ge=1)
    vulnerability_review_max_age_days: int = Field(default=90, ge=1)
    # Managed migration outreach (issue: 14 days after the notice, then 28, 7 and 1
    # day before the deadline day) and the time allowed to make contact.
    migration_reminder_days_after_notice: int = Field(default=14, ge=1)
    migration_reminder_days_before_deadline: tuple[int, ...] = (28, 7, 1)
    migration_outreach_days: int = Field(default=2, ge=1)
    # Simulation only: the calendar is shifted by this many years (a multiple of
    # 28 keeps weekdays and leap years); rates follow the real date.
    simulation_year_shift: int = Field(default=0, ge=0, multiple_of=28)
    # Payment arrangement requests: the claimant's objection window, when to chase
    # DWP for the outcome and when to escalate, and the APA review points (months).
    arrangement_objection_days: int = Field(default=14, ge=1)
    arrangement_chase_days: int = Field(default=14, ge=1)
    arrangement_escalate_days: int = Field(default=28, ge=1)
    arrangement_review_months: tuple[int, ...] = (3, 6, 9, 12, 15, 18, 24)
    # A rent arrears deduction is asked for once arrears reach this many months' rent
    # (DWP's APA guidance; the regulations set no minimum); below it only with a
    # recorded reason (docs/rules.md#third-party-deductions).
    tpd_arrears_months: Decimal = Field(default=Decimal(2), ge=0, le=12)
    # A managed payment for continual underpayment: rent underpaid for at least this
    # many months, with arrears of at least 1 month's rent (docs/rules.md#mptl).
    mptl_underpayment_months: int = Field(default=2, ge=1, le=24)
    # A DHP award: the follow-up this many days before it ends.
    dhp_review_days_before_end: int = Field(default=28, ge=1)
    # Journal entries a continued run carries (the SQL read model keeps all).
    journal_entries_carried: int = Field(default=200, ge=10)
    # Continue-as-new once history reaches this many events (the server also
    # suggests it at 4,096 events or 4 MB; whichever comes first wins).
    continue_as_new_after_events: int = Field(default=2000, ge=20)
    # Internal Process Reviews (DWP side): targets and activity follow-ups, read by
    # each review when it is referred.
    ipr: IprPolicy = IprPolicy()

    @model_validator(mode="before")
    @classmethod
    def _landlord_is_not_policy(cls, data: Any) -> Any:
        # Policies captured before the landlord's details became reference data hold a
        # `landlord` (carried state, load_policy results in saved histories), and the
        # policy file has its section: tolerated and ignored, never refused, so running
        # cases keep replaying. The details on a form come from activities/policy.py.
        if isinstance(data, dict) and "landlord" in data:
            return {key: value for key, value in data.items() if key != "landlord"}
        return data
