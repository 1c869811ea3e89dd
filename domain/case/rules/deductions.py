"""The legal conditions of a rent arrears deduction, read from the facts the case has
recorded (the claim status and the award statements), and the 3-AP stop rule
(docs/rules.md#third-party-deductions; C&P Regs Schedule 6 paragraph 7). A fact
never recorded is refused as not recorded, never taken as met."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from domain.arrangements.rules import (
    PARA_7,
    PENNY,
    earnings_allow_a_start,
    earnings_reach_allowance,
    stops_after,
)
from domain.case import events as e
from domain.case.evolve import evolve
from domain.case.model import AwardStatement, CaseState, ClaimStatus
from domain.case.rules.arrangements import ending
from domain.case.rules.tasks import new_task
from domain.dates import ap_end, ap_index, ap_start, business_date
from domain.errors import DomainError
from domain.shared.decision import Decision

STOP_REASON = "earnings_3_aps"
# Days staff have to act on a deduction DWP stops (the rent is then unpaid).
STOP_FOLLOW_UP_DAYS = 2


def rates_date(state: CaseState, day: date) -> date:
    """The real date whose rates apply to `day` of the case's calendar (a simulation
    plays on a calendar shifted by whole 28-year cycles; rates follow the real date)."""
    shift = state.policy.simulation_year_shift
    return day.replace(year=day.year - shift) if shift else day


@dataclass(frozen=True)
class Period:
    index: int
    start: date
    end: date


def period_of(claim: ClaimStatus, day: date, field: str) -> Period:
    """The claim's AP containing `day`, or a refusal naming `field`."""
    first = claim.first_ap_start
    if day < first:
        raise DomainError(
            field, f"{day.isoformat()} is before the claim's first AP starts ({first.isoformat()})"
        )
    index = ap_index(first, day)
    return Period(index, ap_start(first, index), ap_end(first, index))


@dataclass(frozen=True)
class Conditions:
    """What the paragraph 7 conditions found, for the request's grounds and facts."""

    grounds: tuple[str, ...]
    statement: AwardStatement


def paragraph_7(state: CaseState, deduction_ap: date) -> Conditions:
    """The conditions DWP may deduct for rent arrears under, checked in the order the
    paragraph gives them; the first that fails is refused, naming it. `deduction_ap`:
    a day of the AP the deduction would start in (its earnings test reads the AP
    before it)."""
    claim = state.claim
    if claim is None:
        raise DomainError(
            "housing_costs_element",
            "not recorded: the case has no claim status, so neither the award's housing "
            "costs element nor the earnings of the AP before the deduction are known; "
            "record the claim status (with still_in_occupation), then the award statement "
            f"of that AP ({PARA_7})",
        )
    current = period_of(claim, deduction_ap, "ap_start")
    if current.index == 0:
        raise DomainError(
            "earned_income",
            f"not recorded: the deduction would start in the claim's first AP "
            f"({current.start.isoformat()}), which has no AP before it whose earnings DWP "
            f"can test ({PARA_7})",
        )
    previous = Period(
        current.index - 1,
        ap_start(claim.first_ap_start, current.index - 1),
        current.start - timedelta(days=1),
    )
    statement = next((s for s in state.award_statements if s.ap_start == previous.start), None)
    ap = f"the AP {previous.start.isoformat()} to {previous.end.isoformat()}"
    grounds: list[str] = []
    # (a) the housing costs element, or exempt accommodation with Housing Benefit.
    if claim.exempt_accommodation_with_hb:
        grounds.append("the resident lives in exempt accommodation with Housing Benefit")
    elif statement is None:
        raise DomainError(
            "housing_costs_element",
            f"not recorded: no award statement for {ap} (the AP before the deduction "
            f"starts); record it (record_award_statement) ({PARA_7})",
        )
    elif not statement.housing_costs_element:
        raise DomainError(
            "housing_costs_element",
            f"the award for {ap} has no housing costs element and the resident is not "
            "recorded in exempt accommodation with Housing Benefit: a rent arrears "
            f"deduction needs one ({PARA_7})",
        )
    else:
        grounds.append(f"the award for {ap} includes the housing costs element")
    # (b) still living in the home the arrears are for.
    if claim.still_in_occupation is None:
        raise DomainError(
            "still_in_occupation",
            "not recorded: the claim status does not say whether the resident still lives "
            "in the home the arrears are for; record the claim status with "
            f"still_in_occupation ({PARA_7})",
        )
    if not claim.still_in_occupation:
        raise DomainError(
            "still_in_occupation",
            "the resident no longer lives in the home the arrears are for: DWP deducts for "
            f"rent arrears only while they still live there ({PARA_7})",
        )
    grounds.append("the resident still lives in the home the arrears are for")
    # (c) earned income in the previous AP not above the work allowance.
    if statement is None:
        raise DomainError(
            "earned_income",
            f"not recorded: no award statement for {ap} (the AP before the deduction "
            f"starts), so its earned income is unknown; record it ({PARA_7})",
        )
    allowance = _allowance(statement)
    if not earnings_allow_a_start(statement.earned_income, statement.work_allowance):
        raise DomainError(
            "earned_income",
            f"earned income of £{statement.earned_income} in {ap} is above the "
            f"{allowance}: deductions may not start or restart until an AP's earnings "
            f"are not above it ({PARA_7})",
        )
    grounds.append(
        f"earned income of £{statement.earned_income} in {ap} is not above the {allowance}"
    )
    return Conditions(tuple(grounds), statement)


def _allowance(statement: AwardStatement) -> str:
    if statement.work_allowance_applies:
        return f"work allowance of £{statement.work_allowance}"
    return (
        "nil work allowance (neither responsible for a child nor with limited capability for work)"
    )


def guidance_level(state: CaseState) -> Decimal:
    """The arrears at which DWP's APA guidance lets a landlord ask for a rent arrears
    deduction: the policy's number of months' rent (2 by default)."""
    return (state.monthly_rent * state.policy.tpd_arrears_months).quantize(PENNY)


def below_guidance(state: CaseState) -> bool:
    return state.balance < guidance_level(state)


def arrears_level(state: CaseState, reason: str | None) -> tuple[str, ...]:
    """The guidance level of arrears (`guidance_level`); below it only with a
    recorded reason."""
    months = state.policy.tpd_arrears_months
    level = guidance_level(state)
    if state.balance >= level:
        return (f"arrears of £{state.balance}, at least {months:g} months' rent (£{level})",)
    if reason is None:
        raise DomainError(
            "below_guidance_reason",
            f"arrears of £{state.balance} are below {months:g} months' rent (£{level}), the "
            "level at which DWP's APA guidance lets a landlord ask for a rent arrears "
            "deduction (case policy setting tpd_arrears_months); to ask below it, record "
            "why in below_guidance_reason",
        )
    return (
        f"arrears of £{state.balance}, below {months:g} months' rent (£{level}): "
        f"asked for below the guidance level because {reason}",
    )


def consecutive_reaching(state: CaseState) -> tuple[AwardStatement, ...]:
    """The last 3 award statements when they are 3 consecutive APs of the claim and
    earned income reached the work allowance in each; otherwise none (a missing AP or
    one below the allowance starts the count again)."""
    claim = state.claim
    if claim is None:
        return ()
    first = claim.first_ap_start
    last = [s for s in state.award_statements if s.ap_start >= first][-3:]
    if len(last) < 3:
        return ()
    indices = [ap_index(first, s.ap_start) for s in last]
    aligned = all(ap_start(first, i) == s.ap_start for i, s in zip(indices, last, strict=True))
    if not aligned or indices != list(range(indices[0], indices[0] + 3)):
        return ()
    reached = tuple(earnings_reach_allowance(s.earned_income, s.work_allowance) for s in last)
    return tuple(last) if stops_after(reached) else ()


def stop_rule(state: CaseState, now: datetime) -> list[e.Event]:
    """The 3-AP stop rule, once an award statement is recorded (`state` has it): every
    deduction DWP has granted ends, and a task tells staff why and that the rent is
    no longer paid from the award. Nothing when no deduction is granted."""
    granted = [a for a in state.arrangements if a.kind == "tpd" and a.status == "granted"]
    aps = consecutive_reaching(state)
    if not granted or not aps:
        return []
    starts = ", ".join(s.ap_start.isoformat() for s in aps[:-1]) + f" and {aps[-1].ap_start}"
    why = (
        f"{STOP_REASON}: earned income reached the work allowance in each of the 3 APs "
        f"starting {starts} ({PARA_7})"
    )
    d: Decision[CaseState, e.Event] = Decision(state, evolve)
    for arrangement in granted:
        d.emit(*ending(d.state, arrangement, now, e.SYSTEM, business_date(now), why))
        note = (
            f"{arrangement.arrangement_id}: DWP stops the rent arrears deduction "
            f"({why}); the arrears are no longer paid from the award: contact the resident "
            "about a repayment plan"
        )
        due = now + timedelta(days=STOP_FOLLOW_UP_DAYS)
        d.emit(
            new_task(
                d.state,
                now,
                e.SYSTEM,
                "arrangement_follow_up",
                due,
                note,
                subject=arrangement.arrangement_id,
            )
        )
    return d.events
