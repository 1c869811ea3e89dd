"""Requests for a payment arrangement: an APA, a managed payment to the landlord (MPTL)
or a rent arrears deduction (docs/rules.md#apa, docs/rules.md#third-party-deductions)."""

from datetime import datetime
from decimal import Decimal

from domain.arrangements.rules import (
    Deduction,
    check_deduction_request,
    check_mptl_eligible,
    check_overall_cap,
    mptl_conditions,
    overall_cap,
    recommended_apa_types,
    rent_arrears_deduction,
)
from domain.case import commands as c
from domain.case import events as e
from domain.case.model import CaseState, RequestFacts
from domain.case.rules.arrangements import LIVE
from domain.case.rules.deductions import (
    Conditions,
    arrears_level,
    below_guidance,
    paragraph_7,
    rates_date,
)
from domain.case.rules.guards import (
    must_be_alive,
    must_be_open,
    vulnerability_review_must_be_recent,
)
from domain.dates import business_date
from domain.errors import DomainError
from domain.vulnerability import TIER_1_FACTORS, TIER_2_FACTORS


def request_payment_arrangement(
    state: CaseState,
    cmd: c.RequestPaymentArrangement,
    now: datetime,
    legal_conditions: bool = True,
) -> list[e.Event]:
    """`legal_conditions`: False only where a case replays a rent arrears deduction request
    accepted before the legal conditions were enforced (workflows/uc_case_core.py,
    patch `tpd-legal-conditions`); every request decided now meets them."""
    must_be_open(state, "a payment arrangement")
    must_be_alive(state, "a payment arrangement")
    factors = state.vulnerability.factors if state.vulnerability else ()
    apa_type: str | None = None
    standard_allowance, amount = None, None
    paragraph: Conditions | None = None
    tpd_only = (
        "deduction_rate",
        "standard_allowance",
        "award_before_deductions",
        "other_deductions",
        "existing_deductions",
        "ap_start",
        "below_guidance_reason",
    )
    for name in tpd_only if cmd.kind != "tpd" else ():
        if getattr(cmd, name) not in (None, (), 0):
            raise DomainError(name, "only a rent arrears deduction (tpd) takes this")
    for name in ("months_underpaid", "hb_paid_to_landlord_before") if cmd.kind != "mptl" else ():
        if getattr(cmd, name):
            raise DomainError(name, "only a managed payment request (mptl) takes this")
    if cmd.kind != "apa" and (cmd.apa_type is not None or cmd.couple):
        raise DomainError("apa_type", "only an APA request has an APA type")
    if cmd.kind == "apa":
        options = recommended_apa_types(factors, couple=cmd.couple)
        if not options:
            raise DomainError(
                "kind",
                "an APA needs a Tier 1 or Tier 2 factor on the case: "
                "record a vulnerability assessment first",
            )
        vulnerability_review_must_be_recent(state, now, "an APA request")
        if cmd.apa_type is not None and cmd.apa_type not in options:
            split = cmd.apa_type == "split_payments" and not cmd.couple
            why = " (split payments are between partners: set couple)" * split
            raise DomainError(
                "apa_type",
                f"{cmd.apa_type} does not fit the factors on this case{why}; "
                f"in DWP's order of consideration these fit: {', '.join(options)}",
            )
        apa_type = cmd.apa_type or options[0]
        reasons = tuple(TIER_1_FACTORS.get(f) or TIER_2_FACTORS[f] for f in factors)
    elif cmd.kind == "mptl":
        conditions = mptl_conditions(
            monthly_rent=state.monthly_rent,
            arrears=max(state.balance, Decimal(0)),
            months_underpaid=cmd.months_underpaid,
            factors=factors,
            hb_paid_to_landlord_before=cmd.hb_paid_to_landlord_before,
            underpayment_months=state.policy.mptl_underpayment_months,
        )
        check_mptl_eligible(conditions)
        met = [x for x in conditions if x.met]
        if all(x.name in _TIER_GROUNDS for x in met):
            # Resting on vulnerability alone, the assessment must be current.
            vulnerability_review_must_be_recent(state, now, "a managed payment on Tier grounds")
        reasons = tuple(x.explanation for x in met)
    else:
        standard_allowance, amount, reasons, paragraph = _deduction(
            state, cmd, now, legal_conditions
        )
    forms = _forms_for(cmd.kind, apa_type)
    if "UC47" in forms and not (state.resident.ni_number or state.resident.date_of_birth):
        # The UC47 identifies the resident by one or the other (docs/rules.md#forms).
        raise DomainError(
            "resident",
            "a UC47 needs the resident's National Insurance number or date of birth on the case",
        )
    assessed = state.vulnerability
    facts = RequestFacts(
        requested_by=cmd.by,
        requested_on=business_date(now),
        balance=state.balance,
        monthly_rent=state.monthly_rent,
        rent_extract=state.rent_account,
        factors=factors,
        grounds=reasons,
        assessed_on=business_date(assessed.assessed_at) if assessed else None,
        assessed_by=assessed.assessed_by if assessed else None,
        forms=forms,
        standard_allowance=standard_allowance,
        deduction_amount=amount,
        correspondent=state.representative,
        earnings_ap_start=paragraph.statement.ap_start if paragraph else None,
        earned_income=paragraph.statement.earned_income if paragraph else None,
        work_allowance=paragraph.statement.work_allowance if paragraph else None,
        below_guidance_reason=(
            cmd.below_guidance_reason if paragraph and below_guidance(state) else None
        ),
    )
    # After the highest number in use (in a case from before ids were per case, a
    # request may have been renumbered past an earlier case's).
    number = max(
        (state.children.number_of(a.arrangement_id) for a in state.arrangements), default=0
    )
    return [
        e.PaymentArrangementRequested(
            at=now,
            by=cmd.by,
            arrangement_id=state.children.nth(number + 1),
            kind=cmd.kind,
            apa_type=apa_type,
            deduction_rate=cmd.deduction_rate,
            reasons=reasons,
            facts=facts,
        )
    ]


_TIER_GROUNDS = ("tier_1_or_2_factor", "housing_benefit_paid_direct")


def _forms_for(kind: str, apa_type: str | None) -> tuple[str, ...]:
    """The forms a request produces; the last is the one sent to DWP. A managed
    payment asked for as an APA goes to DWP on the UC47, with the APA1 pack kept."""
    if kind != "apa":
        return ("UC47",)
    return ("APA1", "UC47") if apa_type == "managed_payment_to_landlord" else ("APA1",)


def _deduction(
    state: CaseState, cmd: c.RequestPaymentArrangement, now: datetime, legal_conditions: bool
) -> tuple[Decimal | None, Decimal | None, tuple[str, ...], Conditions | None]:
    """A rent arrears deduction's checks (docs/rules.md#third-party-deductions): the
    rate and the number of deductions, the paragraph 7 conditions on the recorded
    facts, the guidance level of arrears; with the award figures, its amount, the 1p
    floor and the overall cap by date too."""
    if cmd.deduction_rate is None:
        raise DomainError("deduction_rate", "a rent arrears deduction needs its rate (10-20%)")
    if cmd.other_deductions and cmd.existing_deductions not in (0, len(cmd.other_deductions)):
        raise DomainError(
            "existing_deductions",
            f"says {cmd.existing_deductions} but other_deductions lists "
            f"{len(cmd.other_deductions)}: give one or make them agree",
        )
    if state.balance <= 0:
        raise DomainError("kind", "there are no rent arrears to deduct for")
    # Deductions DWP already takes, plus this case's own requests still live.
    live = sum(1 for a in state.arrangements if a.kind == "tpd" and a.status in LIVE)
    taken = max(cmd.existing_deductions, len(cmd.other_deductions))
    check_deduction_request(cmd.deduction_rate, taken + live)
    if cmd.standard_allowance is None and (
        cmd.award_before_deductions is not None or cmd.other_deductions or cmd.ap_start
    ):
        raise DomainError(
            "standard_allowance", "the deduction's amount needs the standard allowance"
        )
    ap_start = cmd.ap_start or business_date(now)
    met: Conditions | None = None
    if legal_conditions:
        met = paragraph_7(state, ap_start)
        reasons = (*arrears_level(state, cmd.below_guidance_reason), *met.grounds)
    else:
        reasons = (f"rent arrears of £{state.balance}",)
    if cmd.standard_allowance is None:
        return None, None, reasons, met
    others = tuple(Deduction(d.kind, d.monthly_amount) for d in cmd.other_deductions)
    deduction = rent_arrears_deduction(
        rate_percent=cmd.deduction_rate,
        standard_allowance=cmd.standard_allowance,
        existing=others,
        ap_start=ap_start,
        award_before_deductions=cmd.award_before_deductions,
    )
    rates_day = rates_date(state, ap_start)
    check_overall_cap(deduction, others, cmd.standard_allowance, rates_day)
    percent, cap = overall_cap(cmd.standard_allowance, rates_day)
    total = sum((d.monthly_amount for d in (*others, deduction)), Decimal(0))
    over = (
        f"deductions total £{total}, over the {percent}% overall cap of £{cap}: allowed, "
        "as rent arrears are a last-resort deduction"
        if total > cap
        else f"the {percent}% overall cap does not limit rent arrears"
    )
    reasons += (
        f"£{deduction.monthly_amount} a month ({cmd.deduction_rate}% of the standard allowance "
        f"£{cmd.standard_allowance}); {over}",
    )
    return cmd.standard_allowance, deduction.monthly_amount, reasons, met
