"""decide / on_time_passed for a managed migration. Raises DomainError naming the rule."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from domain.dates import add_months, ap_end, ap_start, business_date, period_end, start_of_day
from domain.errors import DomainError
from domain.migration import commands as c
from domain.migration import events as e
from domain.migration.capital import DISREGARD_APS, assess_capital
from domain.migration.deadlines import (
    award_start,
    check_deadline_day,
    check_extension,
    final_deadline,
)
from domain.migration.model import APRecord, MigrationState, Reminder
from domain.migration.transitional_element import (
    check_element_name,
    erode,
    initial_transitional_element,
    relevant_increases,
)
from domain.rates import RateSet, earnings_threshold, rates_for
from domain.values import check_horizon

SYSTEM = "system"
SPD_APS = 12  # state pension deferral protection lasts 12 APs
# After the final deadline a migration stays open this long to record a late
# (non-qualifying) claim, then closes.
LATE_CLAIM_MONTHS = 6


def start_migration(
    *,
    tenancy_ref: str,
    case_workflow_id: str,
    notice_issued: date,
    deadline_day: date,
    reissued: bool,
    tax_credits: bool,
    reminder_days_after_notice: int,
    reminder_days_before_deadline: tuple[int, ...],
    year_shift: int,
    recorded_on: date | None = None,
) -> MigrationState:
    check_deadline_day(notice_issued, deadline_day, reissued)
    return MigrationState(
        tenancy_ref=tenancy_ref,
        case_workflow_id=case_workflow_id,
        notice_issued=notice_issued,
        deadline_day=deadline_day,
        final_deadline=final_deadline(deadline_day),
        tax_credits=tax_credits,
        year_shift=year_shift,
        reminder_days_after_notice=reminder_days_after_notice,
        reminder_days_before_deadline=reminder_days_before_deadline,
        # Reminders already past when the notice reaches the case are not sent late.
        reminders=tuple(
            r
            for r in reminder_schedule(
                notice_issued,
                deadline_day,
                reminder_days_after_notice,
                reminder_days_before_deadline,
            )
            if recorded_on is None or r.on >= recorded_on
        ),
    )


def reminder_schedule(
    notice_issued: date,
    deadline_day: date,
    after_notice: int,
    before_deadline: tuple[int, ...],
    sent: tuple[Reminder, ...] = (),
    today: date | None = None,
) -> tuple[Reminder, ...]:
    """Outreach reminders between the notice and the deadline day; those already
    sent are kept; none is planned on or before the last one sent, nor before
    `today` (a missed reminder is never sent late)."""
    last_sent = max((r.on for r in sent), default=notice_issued)
    if today is not None:
        last_sent = max(last_sent, today - timedelta(days=1))
    planned = [
        Reminder(
            notice_issued + timedelta(days=after_notice),
            f"{after_notice} days after the migration notice",
        )
    ]
    planned += [
        Reminder(deadline_day - timedelta(days=d), f"{d} days before the deadline day")
        for d in before_deadline
    ]
    fresh = [r for r in planned if last_sent < r.on < deadline_day]
    # Sorted by date then label: set order differs between processes.
    return tuple(sorted({*sent, *fresh}, key=lambda r: (r.on, r.label)))


def rates_at(state: MigrationState, day: date) -> RateSet:
    """Rates for an AP starting on `day` of the workflow's calendar. In a simulation
    the calendar is shifted by whole 28-year cycles; rates follow the real date."""
    real = day.replace(year=day.year - state.year_shift)
    try:
        return rates_for(real)
    except ValueError:
        raise DomainError(
            "rates",
            f"no UC rates are held for an AP starting {real.isoformat()}; "
            "add that year's rate set to domain/rates.py",
        ) from None


def _threshold(state: MigrationState, day: date, couple: bool) -> Any:
    return earnings_threshold(day.replace(year=day.year - state.year_shift), couple)


def decide(state: MigrationState, command: Any, now: datetime) -> list[e.MigrationEvent]:
    if state.completed:
        raise DomainError("migration", "this migration is complete and takes no more commands")
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise DomainError("command", f"unknown command {type(command).__name__}")
    if type(command) in _FROM_OUTSIDE:
        check_horizon(command, business_date(now))
    return handler(state, command, now)


# Commands a back office sends (not the case's stop): dates checked against the clock.
_FROM_OUTSIDE = frozenset(c.MIGRATION_COMMANDS.values())


def _no_claim_yet(state: MigrationState, field: str) -> None:
    if state.claim_date is not None:
        raise DomainError(field, f"a claim is already recorded ({state.claim_date.isoformat()})")


def _needs_qualifying_claim(state: MigrationState, field: str) -> None:
    if not state.qualifying:
        raise DomainError(
            field, "needs a qualifying claim first (record_claim by the final deadline)"
        )


def _extend(state: MigrationState, cmd: c.GrantExtension, now: datetime) -> list[e.MigrationEvent]:
    _no_claim_yet(state, "new_deadline_day")
    if business_date(now) >= state.deadline_day:
        raise DomainError(
            "new_deadline_day",
            "an extension cannot be granted on or after the "
            f"deadline day ({state.deadline_day.isoformat()}); it must be asked "
            "for before it",
        )
    if not state.notice_issued <= cmd.asked_on <= business_date(now):
        raise DomainError("asked_on", "must be between the notice and today")
    check_extension(state.deadline_day, cmd.asked_on, cmd.new_deadline_day)
    sent = tuple(r for r in state.reminders if r.sent)
    reminders = reminder_schedule(
        state.notice_issued,
        cmd.new_deadline_day,
        state.reminder_days_after_notice,
        state.reminder_days_before_deadline,
        sent,
        today=business_date(now),
    )
    return [
        e.ExtensionGranted(
            at=now,
            by=cmd.by,
            asked_on=cmd.asked_on,
            deadline_day=cmd.new_deadline_day,
            final_deadline=final_deadline(cmd.new_deadline_day),
            reminders=reminders,
        )
    ]


def _claim(state: MigrationState, cmd: c.RecordClaim, now: datetime) -> list[e.MigrationEvent]:
    _no_claim_yet(state, "claim_date")
    if cmd.claim_date > business_date(now):
        raise DomainError("claim_date", "cannot be in the future")
    if cmd.claim_date < state.notice_issued:
        raise DomainError("claim_date", "is before the migration notice was issued")
    start = award_start(cmd.claim_date, state.deadline_day, state.final_deadline)
    return [e.ClaimRecorded(at=now, by=cmd.by, claim_date=cmd.claim_date, award_start=start)]


def _migration_day(
    state: MigrationState, cmd: c.RecordMigrationDay, now: datetime
) -> list[e.MigrationEvent]:
    _needs_qualifying_claim(state, "migration_day")
    first = state.award_starts[0]
    if cmd.migration_day >= first:
        raise DomainError("migration_day", f"must be before the award starts ({first.isoformat()})")
    return [e.MigrationDayRecorded(at=now, by=cmd.by, migration_day=cmd.migration_day)]


def _capital(
    state: MigrationState, cmd: c.RecordCapitalOnMigrationDay, now: datetime
) -> list[e.MigrationEvent]:
    _needs_qualifying_claim(state, "capital")
    if state.aps:
        raise DomainError("capital", "capital on migration day cannot change once APs are assessed")
    limit = rates_at(state, state.award_starts[0]).capital_upper_limit
    # The disregard is for tax credit claimants over the limit on migration day (DOMAIN.md 2.2).
    applies = state.tax_credits and cmd.capital > limit
    return [
        e.CapitalOnMigrationDayRecorded(
            at=now, by=cmd.by, capital=cmd.capital, disregard_applies=applies
        )
    ]


def _amounts(
    state: MigrationState, cmd: c.RecordTransitionalAmounts, now: datetime
) -> list[e.MigrationEvent]:
    _needs_qualifying_claim(state, "legacy_total")
    if state.aps:
        raise DomainError(
            "legacy_total", "transitional amounts cannot change once APs are assessed"
        )
    rates = rates_at(state, state.award_starts[0])
    cap = rates.benefit_cap[cmd.benefit_cap] if cmd.benefit_cap else None
    te = initial_transitional_element(cmd.legacy_total, cmd.indicative_uc, cap)
    return [
        e.TransitionalAmountsRecorded(
            at=now,
            by=cmd.by,
            legacy_total=cmd.legacy_total,
            indicative_uc=cmd.indicative_uc,
            benefit_cap=cap,
            te_initial=te,
            state_pension_deferral=cmd.state_pension_deferral,
        )
    ]


def _statement(
    state: MigrationState, cmd: c.RecordAwardStatement, now: datetime
) -> list[e.MigrationEvent]:
    _needs_qualifying_claim(state, "ap")
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
    """The transitional protection arithmetic of one AP (DOMAIN.md 2.2-2.4)."""
    rates = rates_at(state, starts)
    first_ever = not state.aps
    previous = state.aps[-1].elements if state.aps else {}
    te_before = state.te_initial if first_ever else state.te
    assert te_before is not None
    increases = relevant_increases(previous, cmd.elements) if not first_ever else te_before * 0
    te = te_before if first_ever else erode(te_before, increases)
    capital = assess_capital(cmd.capital, rates, state.disregard_live, state.disregard_aps_used)
    if _changes_end_protection_this_ap(state, cmd):
        # A change counts for the whole AP it falls in (DOMAIN.md 1.2): no TE, no
        # disregard in the AP where the household changes or the award ends.
        te = te * 0
        capital = assess_capital(cmd.capital, rates, False, state.disregard_aps_used)
    couple = cmd.household == "couple"
    threshold = _threshold(state, starts, couple)
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
    """Why this AP ends transitional protection (DOMAIN.md 2.4), if it does."""
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


def _reclaim(state: MigrationState, cmd: c.RecordReclaim, now: datetime) -> list[e.MigrationEvent]:
    window = state.excess_earnings_window_ends
    if window is None:
        raise DomainError(
            "claim_date", "a re-claim is only tracked after an award ended for excess earnings"
        )
    if cmd.claim_date > business_date(now):
        raise DomainError("claim_date", "cannot be in the future")
    ended = state.aps[-1].ends
    if cmd.claim_date <= ended:
        raise DomainError("claim_date", f"must be after the award ended ({ended.isoformat()})")
    inside = state.protection == "suspended" and cmd.claim_date <= window
    return [e.Reclaimed(at=now, by=cmd.by, claim_date=cmd.claim_date, protected=inside)]


def _resident_died(
    state: MigrationState, cmd: c.ResidentDied, now: datetime
) -> list[e.MigrationEvent]:
    if cmd.date_of_death > business_date(now):
        raise DomainError("date_of_death", "cannot be in the future")
    return [e.MigrationEnded(at=now, by=cmd.by, date_of_death=cmd.date_of_death)]


_HANDLERS: dict[type, Callable[[MigrationState, Any, datetime], list[e.MigrationEvent]]] = {
    c.GrantExtension: _extend,
    c.ResidentDied: _resident_died,
    c.RecordClaim: _claim,
    c.RecordMigrationDay: _migration_day,
    c.RecordCapitalOnMigrationDay: _capital,
    c.RecordTransitionalAmounts: _amounts,
    c.RecordAwardStatement: _statement,
    c.RecordReclaim: _reclaim,
}


def _midnight_after(day: date) -> datetime:
    """When a UK calendar day has ended."""
    return start_of_day(day + timedelta(days=1))


def _start_of(day: date) -> datetime:
    return start_of_day(day)


def next_wakeup(state: MigrationState) -> tuple[datetime, str] | None:
    """The instant this migration next acts on its own, with a readable summary."""
    if state.completed:
        return None
    candidates: list[tuple[datetime, str]] = []
    if state.status == "lapsed":
        closes = add_months(state.final_deadline, LATE_CLAIM_MONTHS)
        return (_midnight_after(closes), f"late-claim window ends {closes.isoformat()}: close")
    if state.claim_date is None:
        candidates += [
            (_start_of(r.on), f"outreach reminder: {r.label} ({r.on.isoformat()})")
            for r in state.reminders
            if not r.sent
        ]
        if state.status != "deadline_missed":
            candidates.append(
                (
                    _midnight_after(state.deadline_day),
                    f"deadline day {state.deadline_day.isoformat()} ends: escalate if no claim",
                )
            )
        candidates.append(
            (
                _midnight_after(state.final_deadline),
                f"final deadline {state.final_deadline.isoformat()} ends: claims after it lose "
                "protection",
            )
        )
    if state.protection == "suspended" and state.excess_earnings_window_ends:
        end = state.excess_earnings_window_ends
        candidates.append(
            (
                _midnight_after(end),
                f"re-claim window ends {end.isoformat()}: protection ends without a re-claim",
            )
        )
    return min(candidates, default=None)


def on_time_passed(state: MigrationState, now: datetime) -> list[e.MigrationEvent]:
    events: list[e.MigrationEvent] = []
    if state.status == "lapsed":
        closes = add_months(state.final_deadline, LATE_CLAIM_MONTHS)
        if now >= _midnight_after(closes):
            events.append(
                e.MigrationClosed(
                    at=now,
                    by=SYSTEM,
                    reason=(
                        f"no claim by {closes.isoformat()}, "
                        f"{LATE_CLAIM_MONTHS} months after the final deadline"
                    ),
                )
            )
        return events
    if state.claim_date is None:
        events += [
            e.ReminderDue(at=now, by=SYSTEM, on=r.on, label=r.label)
            for r in state.reminders
            if not r.sent and _start_of(r.on) <= now
        ]
        if state.status != "deadline_missed" and now >= _midnight_after(state.deadline_day):
            events.append(e.DeadlineMissed(at=now, by=SYSTEM, deadline_day=state.deadline_day))
        if now >= _midnight_after(state.final_deadline):
            events.append(
                e.FinalDeadlinePassed(at=now, by=SYSTEM, final_deadline=state.final_deadline)
            )
    window = state.excess_earnings_window_ends
    if state.protection == "suspended" and window and now >= _midnight_after(window):
        events.append(
            e.ProtectionEnded(
                at=now,
                by=SYSTEM,
                reason=(
                    f"no re-claim within 3 months of the award ending for excess earnings "
                    f"(window ended {window.isoformat()})"
                ),
            )
        )
    return events


def evolve(s: MigrationState, ev: e.MigrationEvent) -> MigrationState:
    s = replace(s, version=s.version + 1)
    match ev:
        case e.ReminderDue():
            return replace(
                s,
                reminders=tuple(replace(r, sent=True) if r.on == ev.on else r for r in s.reminders),
            )
        case e.ExtensionGranted():
            return replace(
                s,
                deadline_day=ev.deadline_day,
                final_deadline=ev.final_deadline,
                reminders=ev.reminders,
                status="extended",
                extensions=(*s.extensions, ev.deadline_day),
            )
        case e.DeadlineMissed():
            return replace(s, status="deadline_missed")
        case e.FinalDeadlinePassed():
            # Still open, to record a late claim (which keeps no protection).
            return replace(s, status="lapsed", protection="none")
        case e.MigrationClosed():
            return replace(s, completed=True)
        case e.ClaimRecorded():
            if ev.award_start is None:
                return replace(
                    s,
                    claim_date=ev.claim_date,
                    status="claimed_not_qualifying",
                    protection="none",
                    completed=True,
                )
            late = ev.claim_date > s.deadline_day
            return replace(
                s,
                claim_date=ev.claim_date,
                award_starts=(ev.award_start,),
                status="claimed_after_deadline" if late else "claimed",
            )
        case e.MigrationDayRecorded():
            return replace(s, migration_day=ev.migration_day)
        case e.CapitalOnMigrationDayRecorded():
            return replace(
                s, capital_on_migration_day=ev.capital, disregard_live=ev.disregard_applies
            )
        case e.TransitionalAmountsRecorded():
            return replace(
                s,
                legacy_total=ev.legacy_total,
                indicative_uc=ev.indicative_uc,
                benefit_cap=ev.benefit_cap,
                te_initial=ev.te_initial,
                te=ev.te_initial,
                state_pension_deferral=ev.state_pension_deferral,
                protection="active",
            )
        case e.APAssessed():
            r = ev.record
            return replace(
                s,
                aps=(*s.aps, r),
                te=r.te,
                below_threshold_aps=r.below_threshold_aps,
                earnings_rule_applies=ev.earnings_rule_applies,
                disregard_live=ev.disregard_live,
                disregard_aps_used=ev.disregard_aps_used,
                household_at_start=s.household_at_start or r.household,
            )
        case e.ProtectionSuspended():
            return replace(s, protection="suspended", excess_earnings_window_ends=ev.window_ends)
        case e.Reclaimed():
            if not ev.protected:
                return s
            return replace(
                s,
                protection="active",
                award_starts=(*s.award_starts, ev.claim_date),
                excess_earnings_window_ends=None,
            )
        case e.ProtectionEnded():
            return replace(s, protection="ended", protection_ended_reason=ev.reason, completed=True)
        case e.MigrationEnded():
            died = f"the resident died on {ev.date_of_death.isoformat()}"
            protected = s.protection in ("active", "suspended")
            return replace(
                s,
                status="ended",
                protection="ended" if protected else "none",
                protection_ended_reason=died if protected else s.protection_ended_reason,
                completed=True,
            )
    raise TypeError(f"evolve: no rule for {type(ev).__name__}")
