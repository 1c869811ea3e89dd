"""An award statement for one AP: the transitional protection arithmetic, and when
protection ends (docs/rules.md#transitional-protection)."""

from datetime import date, datetime

from domain.dates import ap_end, ap_start, business_date, period_end
from domain.errors import DomainError
from domain.migration import commands as c
from domain.migration import events as e
from domain.migration.capital import DISREGARD_APS, assess_capital
from domain.migration.model import APRecord, MigrationState
from domain.migration.rates_at import rates_at, threshold_at
from domain.migration.rules.claim import needs_qualifying_claim
from domain.migration.transitional_element import check_element_name, erode, relevant_increases

SPD_APS = 12  # state pension deferral protection lasts 12 APs


def record_award_statement(
    state: MigrationState, cmd: c.RecordAwardStatement, now: datetime
) -> list[e.MigrationEvent]:
    needs_qualifying_claim(state, "ap")
    if state.te_initial is None or state.capital_on_migration_day is None:
        raise DomainError(
            "ap", "record the transitional amounts and the capital on migration day first"
        )
    if state.protection in ("suspended", "ended", "none"):
        raise DomainError("ap", f"protection is {state.protection}; no award statement is tracked")
    expected = state.aps_in_current_award + 1
    if cmd.ap != expected:
        raise DomainError("ap", f"the next assessment period to record is AP {expected}")
    bad = [name for name in cmd.elements if not check_element_name(name)]
    if bad:
        raise DomainError(
            "elements",
            f"unknown element(s) {', '.join(bad)}; use standard_allowance, "
            "housing, lcw, lcwra, carer, childcare, child:<id>, disabled_child:<id>",
        )
    award_from = state.current_award_start
    assert award_from is not None
    starts, ends = ap_start(award_from, cmd.ap - 1), ap_end(award_from, cmd.ap - 1)
    if starts > business_date(now):
        raise DomainError("ap", f"AP {cmd.ap} starts {starts.isoformat()}, in the future")
    return assess_ap(state, cmd, starts, ends, now)


def assess_ap(
    state: MigrationState, cmd: c.RecordAwardStatement, starts: date, ends: date, now: datetime
) -> list[e.MigrationEvent]:
    """The transitional protection arithmetic of one AP (docs/rules.md#transitional-protection)."""
    rates = rates_at(state, starts)
    first_ever = not state.aps
    previous = state.aps[-1].elements if state.aps else {}
    te_before = state.te_initial if first_ever else state.te
    assert te_before is not None
    increases = relevant_increases(previous, cmd.elements) if not first_ever else te_before * 0
    te = te_before if first_ever else erode(te_before, increases)
    capital = assess_capital(cmd.capital, rates, state.disregard_live, state.disregard_aps_used)
    if _changes_end_protection_this_ap(state, cmd):
        # A change counts for the whole AP it falls in (docs/rules.md#assessment-periods): no TE, no
        # disregard in the AP where the household changes or the award ends.
        te = te * 0
        capital = assess_capital(cmd.capital, rates, False, state.disregard_aps_used)
    couple = cmd.household == "couple"
    threshold = threshold_at(state, starts, couple)
    rule_applies = (cmd.earnings >= threshold) if first_ever else bool(state.earnings_rule_applies)
    below = state.below_threshold_aps
    if (
        not first_ever
        and rule_applies
        and not cmd.minimum_income_floor
        and cmd.earnings < threshold
    ):
        below += 1
    number_overall = len(state.aps) + 1
    record = APRecord(
        award=len(state.award_starts),
        number=cmd.ap,
        starts=starts,
        ends=ends,
        rates_year=rates.tax_year,
        elements=dict(cmd.elements),
        relevant_increases=increases,
        te_before=te_before,
        te=te,
        capital=capital,
        earnings=cmd.earnings,
        earnings_threshold=threshold,
        below_threshold_aps=below,
        household=cmd.household,
        state_pension_deferral_protected=state.state_pension_deferral and number_overall <= SPD_APS,
    )
    events: list[e.MigrationEvent] = [
        e.APAssessed(
            at=now,
            by=cmd.by,
            record=record,
            earnings_rule_applies=rule_applies,
            disregard_live=state.disregard_live and not capital.ends_disregard,
            disregard_aps_used=state.disregard_aps_used + (1 if state.disregard_live else 0),
        )
    ]
    reason = _protection_ends(state, cmd, record, capital.entitled, below)
    if reason:
        events.append(e.ProtectionEnded(at=now, by=cmd.by, reason=reason))
    elif cmd.award_ended == "excess_earnings":
        # 3 months beginning with the last day of the AP that would have been final.
        window = period_end(ends, 3)
        events.append(e.ProtectionSuspended(at=now, by=cmd.by, window_ends=window))
    elif _nothing_left(state, record, capital.ends_disregard, number_overall):
        events.append(
            e.ProtectionEnded(
                at=now,
                by=cmd.by,
                reason=(
                    "nothing left to protect: the transitional element is nil and no capital "
                    "disregard or deferral protection remains"
                ),
            )
        )
    return events


def _changes_end_protection_this_ap(state: MigrationState, cmd: c.RecordAwardStatement) -> bool:
    household_changed = bool(state.household_at_start) and cmd.household != state.household_at_start
    return household_changed or cmd.award_ended == "other"


def _protection_ends(
    state: MigrationState, cmd: c.RecordAwardStatement, record: APRecord, entitled: bool, below: int
) -> str | None:
    """Why this AP ends transitional protection (docs/rules.md#protection-ends), if it does."""
    if state.household_at_start and cmd.household != state.household_at_start:
        change = "the couple separated" if cmd.household == "single" else "became part of a couple"
        return f"household changed in AP {record.number}: {change}"
    if cmd.award_ended == "other":
        return f"the award ended in AP {record.number}"
    if not entitled:
        return (
            f"no entitlement in AP {record.number}: capital over £16,000 with no "
            "transitional capital disregard left"
        )
    if below >= 3:
        return (
            f"earnings below the administrative earnings threshold in 3 APs since AP 1 "
            f"(the third was AP {record.number}); protection ends from the next AP"
        )
    return None


def _nothing_left(state: MigrationState, record: APRecord, ends_disregard: bool, n: int) -> bool:
    disregard_left = (
        state.disregard_live and not ends_disregard and state.disregard_aps_used + 1 < DISREGARD_APS
    )
    deferral_left = state.state_pension_deferral and n < SPD_APS
    return record.te == 0 and not disregard_left and not deferral_left
