"""decide(state, command, now) -> events. Raises DomainError naming the broken rule."""

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain import child_ids
from domain.arrangements.rules import (
    Deduction,
    check_deduction_request,
    check_mptl_eligible,
    check_overall_cap,
    mptl_conditions,
    overall_cap_percent,
    recommended_apa_types,
    rent_arrears_deduction,
)
from domain.bounds import CALL_BACK_YEARS, MAX_BALANCE
from domain.case import commands as c
from domain.case import events as e
from domain.case.deadlines import watch_end
from domain.case.model import (
    FINAL_SUSTAINMENT,
    ArrangementSummary,
    CaseState,
    ClaimStatus,
    RequestFacts,
    SustainmentAction,
    Task,
    TaskKind,
)
from domain.dates import add_months, business_date, start_of_day
from domain.errors import DomainError
from domain.migration.deadlines import check_deadline_day
from domain.notices import NotFromTheChild
from domain.rent import monthly_equivalent
from domain.values import check_horizon
from domain.vulnerability import TIER_1_FACTORS, TIER_2_FACTORS, tier_for, unknown_factors


def open_case(cmd: c.OpenCase, now: datetime) -> list[e.Event]:
    return [
        e.CaseOpened(
            at=now,
            by=cmd.opened_by,
            tenancy_ref=cmd.tenancy_ref,
            opening_reason=cmd.opening_reason,
            resident=cmd.resident,
            tenancy=cmd.tenancy,
            rent=cmd.rent,
            monthly_rent=monthly_equivalent(cmd.rent.amount, cmd.rent.frequency),
            balance=cmd.balance,
        )
    ]


def decide(state: CaseState, command: Any, now: datetime) -> list[e.Event]:
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise DomainError("command", f"unknown command {type(command).__name__}")
    if state.status == "completed":
        raise DomainError("case", "the case is completed and takes no more commands")
    if type(command) in _FROM_OUTSIDE:
        check_horizon(command, business_date(now))
    return _reopen_for_follow_up(state, handler(state, command, now), now)


def _reopen_for_follow_up(state: CaseState, events: list[e.Event], now: datetime) -> list[e.Event]:
    """A closed case that gains a task or a Six-Point Plan re-opens: a case is never
    closed (or completed) with follow-up work open."""
    if state.status != "closed" or any(isinstance(x, e.CaseReopened) for x in events):
        return events
    opens = [x for x in events if isinstance(x, e.TaskOpened | e.SafeguardingDeclared)]
    if not opens:
        return events
    what = opens[0].kind.replace("_", " ")
    return [e.CaseReopened(at=now, by=e.SYSTEM, reason=f"re-opened automatically: {what}"), *events]


def carried_over(state: CaseState) -> CaseState:
    """The state a continued run starts from: the journal is trimmed to its latest
    entries (the SQL read model keeps every one), so the payload stays small."""
    keep = state.policy.journal_entries_carried
    return replace(state, journal=state.journal[-keep:])


def child_not_started(state: CaseState, child_id: str, reason: str, now: datetime) -> list[e.Event]:
    """A child the case meant to start was refused (its id is taken): recorded and
    escalated, never swallowed. A migration is then tracked by no one; a payment
    arrangement is withdrawn so that it can be requested again."""
    migration = state.migration
    if migration is not None and child_id == migration.workflow_id:
        refused = e.ChildNotStarted(
            at=now, by=e.SYSTEM, child="managed_migration", workflow_id=child_id, reason=reason
        )
        note = (
            f"{child_id} did not start ({reason}): its reminders and deadlines are not "
            "tracked; follow the migration notice by hand"
        )
        return _reopen_for_follow_up(
            state, [refused, *_escalation(state, now, "migration_follow_up", note)], now
        )
    arrangement = _arrangement(state, child_id)
    if arrangement is None:
        raise DomainError("workflow_id", f"{child_id} is not a child of this case")
    refused = e.ChildNotStarted(
        at=now, by=e.SYSTEM, child="payment_arrangement", workflow_id=child_id, reason=reason
    )
    ended = e.ArrangementEnded(
        at=now,
        by=e.SYSTEM,
        arrangement_id=child_id,
        ended_on=business_date(now),
        reason=f"not started: {reason}; request it again",
        status="withdrawn",
    )
    note = f"{child_id} did not start ({reason}): nothing was sent to DWP; request it again"
    escalation = _escalation(state, now, "arrangement_follow_up", note, subject=child_id)
    return _reopen_for_follow_up(state, [refused, ended, *escalation], now)


def notice_refused(notice: str, refusal: NotFromTheChild, now: datetime) -> list[e.Event]:
    """A progress notice not from the child the case started: journalled, naming the
    rule and never what it said; nothing else changes."""
    return [e.ProgressNoticeRefused(at=now, by=e.SYSTEM, notice=notice, rule=refusal.rule)]


# --- guards, named after the rule they enforce ---------------------------------


def _must_be_open(state: CaseState, action: str) -> None:
    if state.status == "closed":
        raise DomainError("case", f"{action} is not allowed on a closed case; reopen it first")


def _must_be_alive(state: CaseState, action: str) -> None:
    if state.deceased_on is not None:
        raise DomainError(
            "case",
            f"{action} is not allowed: the resident's death is recorded "
            f"({state.deceased_on.isoformat()}); the case is with bereavement handling",
        )


def _vulnerability_review_must_be_recent(
    state: CaseState, now: datetime, action: str = "an enforcement step"
) -> None:
    review = state.vulnerability
    max_age = state.policy.vulnerability_review_max_age_days
    if review is None:
        raise DomainError(
            "vulnerability",
            f"{action} needs a vulnerability review on the case first",
        )
    if now - review.assessed_at > timedelta(days=max_age):
        raise DomainError(
            "vulnerability",
            f"the last vulnerability review ({review.assessed_at.date().isoformat()}) is older "
            f"than {max_age} days; review vulnerability before {action}",
        )


def _task(
    state: CaseState,
    now: datetime,
    by: str,
    kind: TaskKind,
    due: datetime,
    note: str,
    owner: str = "income_team",
    offset: int = 0,
    subject: str | None = None,
) -> e.TaskOpened:
    # `offset`: tasks opened earlier in the same decision.
    task_id = f"task-{len(state.tasks) + 1 + offset}"
    if state.deceased_on is not None and owner == "income_team":
        # After a death the income team's follow-ups become the bereavement
        # team's, never a chase; complaints stay with the complaints team.
        owner = "bereavement_team"
    return e.TaskOpened(
        at=now,
        by=by,
        task_id=task_id,
        kind=kind,
        due_at=due,
        owner=owner,
        note=note,
        subject=subject,
    )


# --- handlers -------------------------------------------------------------------


def _record_claim_status(
    state: CaseState, cmd: c.RecordClaimStatus, now: datetime
) -> list[e.Event]:
    claim = ClaimStatus(
        claim_stage=cmd.claim_stage,
        first_ap_start=cmd.first_ap_start,
        housing_element=cmd.housing_element,
        sanctions=cmd.sanctions,
        conditionality_regime=cmd.conditionality_regime,
        recorded_at=now,
    )
    events: list[e.Event] = [e.ClaimStatusRecorded(at=now, by=cmd.by, claim=claim)]
    previous = state.claim
    if previous is not None and _claim_facts(previous) != _claim_facts(claim):
        # A change of circumstances must never go without a case control (DOMAIN.md 4).
        events += _change_of_circumstances(
            state, now, cmd.by, "claim status changed on the DWP portal"
        )
    return events


def _claim_facts(claim: ClaimStatus) -> tuple[object, ...]:
    return (
        claim.claim_stage,
        claim.first_ap_start,
        claim.housing_element,
        claim.sanctions,
        claim.conditionality_regime,
    )


def _change_of_circumstances(
    state: CaseState, now: datetime, by: str, summary: str
) -> list[e.Event]:
    due = now + timedelta(days=state.policy.case_control_days)
    return [
        e.InteractionRecorded(at=now, by=by, kind="change_of_circumstances", summary=summary),
        _task(state, now, by, "case_control", due, f"case control after change: {summary}"),
    ]


def _record_rent_movement(
    state: CaseState, cmd: c.RecordRentMovement, now: datetime
) -> list[e.Event]:
    if cmd.kind != "balance" and cmd.amount <= 0:
        raise DomainError("amount", f"a {cmd.kind} must be more than £0.00")
    balance = {
        "charge": state.balance + cmd.amount,
        "payment": state.balance - cmd.amount,
        "tpd_credit": state.balance - cmd.amount,
        "balance": cmd.amount,
        "missed_uc_payment": state.balance,
    }[cmd.kind]
    if abs(balance) > MAX_BALANCE:
        raise DomainError(
            "amount",
            f"would take the balance to £{balance:,}; a balance stays within ±£{MAX_BALANCE:,}",
        )
    events: list[e.Event] = [
        e.RentMovementRecorded(
            at=now,
            by=cmd.by,
            kind=cmd.kind,
            amount=cmd.amount,
            on=cmd.on,
            reference=cmd.reference,
            balance_after=balance,
        )
    ]
    reason = material_movement(state, cmd.kind, balance)
    if reason:
        events.append(e.CaseReopened(at=now, by=e.SYSTEM, reason=reason))
        due = now + timedelta(days=state.policy.reopened_review_days)
        events.append(_task(state, now, e.SYSTEM, "reopened_review", due, reason))
    if balance <= 0 < state.balance and state.deceased_on is None:
        # Arrears cleared: a rent arrears deduction has done its work.
        for a in state.arrangements:
            if a.kind == "tpd" and a.status == "granted":
                opened = sum(isinstance(x, e.TaskOpened) for x in events)
                note = (
                    f"{a.arrangement_id}: arrears cleared; ask DWP to stop the deduction, "
                    "then end_payment_arrangement (arrears_cleared)"
                )
                events.append(
                    _task(
                        state,
                        now,
                        e.SYSTEM,
                        "arrangement_follow_up",
                        now + timedelta(days=2),
                        note,
                        offset=opened,
                        subject=a.arrangement_id,
                    )
                )
    # Judged against where the plan stands today, whatever date the entry carries.
    opened = sum(isinstance(x, e.TaskOpened) for x in events)
    return events + _plan_standing(state, balance, business_date(now), now, offset=opened)


def _escalation(
    state: CaseState,
    now: datetime,
    kind: TaskKind,
    note: str,
    subject: str | None = None,
    offset: int = 0,
) -> list[e.Event]:
    """A task due now and escalated at once: what needs someone today."""
    task = _task(state, now, e.SYSTEM, kind, now, note, subject=subject, offset=offset)
    return [task, e.TaskEscalated(at=now, by=e.SYSTEM, task_id=task.task_id)]


def _plan_standing(
    state: CaseState, balance: Decimal, day: date, now: datetime, offset: int = 0
) -> list[e.Event]:
    """Falling behind an arrears plan by more than its tolerance escalates the case;
    catching up is journalled too."""
    plan = state.arrears_plan
    if plan is None or plan.outcome is not None or state.deceased_on is not None:
        return []
    expected = plan.expected_on(day)
    behind = balance > expected + plan.tolerance
    if behind == plan.behind:
        return []
    checked = e.ArrearsPlanChecked(
        at=now,
        by=e.SYSTEM,
        standing="behind" if behind else "on_track",
        expected=expected,
        balance=balance,
    )
    if not behind:
        return [checked]
    note = f"arrears £{balance} against £{expected} expected by the plan on {day.isoformat()}"
    return [checked, *_escalation(state, now, "recovery_behind_plan", note, offset=offset)]


def material_movement(state: CaseState, kind: str, balance: Decimal) -> str | None:
    """Why a closed case must re-open after this movement, or None (DOMAIN.md 1.1)."""
    closure = state.closure
    if state.status != "closed" or closure is None or state.deceased_on is not None:
        return None
    if kind == "missed_uc_payment":
        return "re-opened automatically: an expected UC payment was missed after closure"
    threshold = state.monthly_rent * state.policy.material_rise_fraction
    # Arrears, not the signed balance: a credit shrinking is not arrears rising.
    rise = max(balance, Decimal(0)) - max(closure.balance_at_closure, Decimal(0))
    if rise >= threshold:
        return (
            f"re-opened automatically: arrears rose by £{rise:.2f} since closure "
            f"(threshold £{threshold:.2f})"
        )
    return None


def _record_vulnerability(
    state: CaseState, cmd: c.RecordVulnerabilityAssessment, now: datetime
) -> list[e.Event]:
    unknown = unknown_factors(cmd.factors)
    if unknown:
        known = ", ".join([*TIER_1_FACTORS, *TIER_2_FACTORS])
        raise DomainError(
            "factors", f"unknown factor(s) {', '.join(unknown)}; known factors: {known}"
        )
    factors = tuple(dict.fromkeys(cmd.factors))
    return [
        e.VulnerabilityAssessed(
            at=now, by=cmd.by, factors=factors, tier=tier_for(factors), notes=cmd.notes
        )
    ]


def _add_note(state: CaseState, cmd: c.AddJournalNote, now: datetime) -> list[e.Event]:
    return [
        e.JournalNoteAdded(at=now, by=cmd.by, kind=cmd.kind, text=cmd.text, outcome=cmd.outcome)
    ]


def _move_stage(state: CaseState, cmd: c.MoveStage, now: datetime) -> list[e.Event]:
    _must_be_open(state, "moving stage")
    if cmd.stage == state.stage:
        raise DomainError("stage", f"the case is already at stage {cmd.stage}")
    return [e.StageMoved(at=now, by=cmd.by, stage=cmd.stage, reason=cmd.reason)]


def _close(state: CaseState, cmd: c.CloseCase, now: datetime) -> list[e.Event]:
    if state.status == "closed":
        raise DomainError("case", "the case is already closed")
    if cmd.outcome not in state.policy.outcome_categories:
        allowed = ", ".join(state.policy.outcome_categories)
        raise DomainError("outcome", f"must be one of {allowed}")
    if cmd.outcome == "resident_deceased" and state.deceased_on is None:
        raise DomainError(
            "outcome",
            "resident_deceased needs the death recorded first "
            "(record_death), so that communications are suppressed",
        )
    if state.open_plan_steps:
        raise DomainError(
            "six_point_plan",
            "the case cannot close while a Six-Point Plan step is "
            f"open: {', '.join(state.open_plan_steps)}",
        )
    if (
        cmd.outcome != "resident_deceased"
        and state.migration
        and state.migration.status
        in (
            "notice_issued",
            "extended",
            "deadline_missed",
        )
    ):
        raise DomainError(
            "migration",
            "the case cannot close while a migration notice awaits "
            f"its claim (status {state.migration.status})",
        )
    if state.open_tasks:
        listed = ", ".join(f"{t.task_id} ({t.kind})" for t in state.open_tasks)
        raise DomainError("tasks", f"the case cannot close while tasks are open: {listed}")
    closed_on = business_date(now)
    watch_until = add_months(closed_on, state.policy.watch_months_after_closure)
    events: list[e.Event] = [
        e.CaseClosed(
            at=now,
            by=cmd.by,
            outcome=cmd.outcome,
            reason=cmd.reason,
            balance_at_closure=state.balance,
            watch_until=watch_until,
        )
    ]
    if cmd.outcome == "resident_deceased":
        # No watch after a death: nothing may chase the estate automatically.
        events.append(e.WatchEnded(at=now, by=e.SYSTEM))
    return events


def _reopen(state: CaseState, cmd: c.ReopenCase, now: datetime) -> list[e.Event]:
    if state.status != "closed":
        raise DomainError("case", "only a closed case can be reopened")
    due = now + timedelta(days=state.policy.reopened_review_days)
    return [
        e.CaseReopened(at=now, by=cmd.by, reason=cmd.reason),
        _task(state, now, cmd.by, "reopened_review", due, cmd.reason),
    ]


def _declare(
    state: CaseState, cmd: c.RecordSafeguardingDeclaration, now: datetime
) -> list[e.Event]:
    if state.open_plan_steps:
        raise DomainError(
            "six_point_plan",
            "a Six-Point Plan is already open on this case; "
            "complete its steps and record further detail as journal notes",
        )
    return [
        e.SafeguardingDeclared(
            at=now, by=cmd.by, kind=cmd.kind, note=cmd.note, steps=state.policy.six_point_plan_steps
        )
    ]


def _complete_step(state: CaseState, cmd: c.CompletePlanStep, now: datetime) -> list[e.Event]:
    if cmd.step not in state.open_plan_steps:
        open_steps = ", ".join(state.open_plan_steps) or "none"
        raise DomainError("step", f"not an open Six-Point Plan step; open steps: {open_steps}")
    return [e.PlanStepCompleted(at=now, by=cmd.by, step=cmd.step, note=cmd.note)]


def _record_death(state: CaseState, cmd: c.RecordDeath, now: datetime) -> list[e.Event]:
    if state.deceased_on is not None:
        raise DomainError("date_of_death", "a death is already recorded on this case")
    if cmd.date_of_death > business_date(now):
        raise DomainError("date_of_death", "cannot be in the future")
    born = state.resident.date_of_birth
    if born is not None and cmd.date_of_death < born:
        raise DomainError(
            "date_of_death",
            f"cannot be before the resident's date of birth ({born.isoformat()})",
        )
    events: list[e.Event] = [
        e.DeathRecorded(at=now, by=cmd.by, date_of_death=cmd.date_of_death, informant=cmd.informant)
    ]
    # Nothing more is asked of DWP, and nothing taken, for a resident who has died.
    for arrangement in state.arrangements:
        if arrangement.status in _LIVE:
            # Recorded as ending no earlier than it was asked for.
            on = max(cmd.date_of_death, business_date(arrangement.requested_at))
            died = _ending(state, arrangement, now, cmd.by, on, "the resident died")
            events.append(died[0])  # its tasks are cancelled with the rest below
    open_ids = tuple(t.task_id for t in state.open_tasks)
    if open_ids:
        events.append(
            e.TasksCancelled(
                at=now,
                by=cmd.by,
                task_ids=open_ids,
                reason="resident deceased: reminders and chases stopped",
            )
        )
    if state.status == "closed":
        # A closed case is routed to bereavement handling too (DOMAIN.md 4).
        events.append(
            e.CaseReopened(
                at=now, by=cmd.by, reason="death recorded: re-opened for bereavement handling"
            )
        )
    due = now + timedelta(days=state.policy.bereavement_handling_days)
    events.append(
        _task(
            state,
            now,
            cmd.by,
            "bereavement_handling",
            due,
            "bereavement handling: tenancy, estate and DWP notification",
            owner="bereavement_team",
        )
    )
    return events


def _request_call_back(state: CaseState, cmd: c.RequestCallBack, now: datetime) -> list[e.Event]:
    _must_be_open(state, "a call-back")
    _must_be_alive(state, "a call-back")
    if cmd.due_at <= now:
        raise DomainError("due_at", "a call-back must be due in the future")
    latest = add_months(business_date(now), 12 * CALL_BACK_YEARS)
    if business_date(cmd.due_at) > latest:
        raise DomainError(
            "due_at",
            f"a call-back is due at most {CALL_BACK_YEARS} years ahead: on or before {latest}",
        )
    return [_task(state, now, cmd.by, "call_back", cmd.due_at, cmd.reason)]


def _returned_post(state: CaseState, cmd: c.RecordReturnedPost, now: datetime) -> list[e.Event]:
    events: list[e.Event] = [
        e.InteractionRecorded(at=now, by=cmd.by, kind="returned_post", summary=cmd.item)
    ]
    if state.deceased_on is None:
        due = now + timedelta(days=state.policy.returned_post_days)
        events.append(
            _task(
                state,
                now,
                cmd.by,
                "re_establish_contact",
                due,
                f"post returned undelivered: {cmd.item}",
            )
        )
    return events


def _complaint(state: CaseState, cmd: c.RecordComplaint, now: datetime) -> list[e.Event]:
    due = now + timedelta(days=state.policy.complaint_follow_up_days)
    return [
        e.InteractionRecorded(at=now, by=cmd.by, kind="complaint", summary=cmd.summary),
        _task(state, now, cmd.by, "complaint_follow_up", due, cmd.summary, owner="complaints_team"),
    ]


def _representative(state: CaseState, cmd: c.RecordRepresentative, now: datetime) -> list[e.Event]:
    return [
        e.RepresentativeRecorded(
            at=now, by=cmd.by, kind=cmd.kind, name=cmd.name, contact=cmd.contact
        )
    ]


def _circumstances(
    state: CaseState, cmd: c.RecordChangeOfCircumstances, now: datetime
) -> list[e.Event]:
    return _change_of_circumstances(state, now, cmd.by, cmd.description)


def _incoming_message(
    state: CaseState, cmd: c.RecordIncomingMessage, now: datetime
) -> list[e.Event]:
    due = now + timedelta(hours=state.policy.message_response_hours)
    return [
        e.InteractionRecorded(
            at=now, by=cmd.by, kind=f"incoming_{cmd.channel}", summary=cmd.summary
        ),
        _task(state, now, cmd.by, "message_response", due, f"respond to: {cmd.summary}"),
    ]


def _complete_task(state: CaseState, cmd: c.CompleteTask, now: datetime) -> list[e.Event]:
    if cmd.task_id not in {t.task_id for t in state.open_tasks}:
        open_ids = ", ".join(t.task_id for t in state.open_tasks) or "none"
        raise DomainError("task_id", f"not an open task on this case; open tasks: {open_ids}")
    return [e.TaskCompleted(at=now, by=cmd.by, task_id=cmd.task_id, outcome=cmd.outcome)]


def _enforcement(state: CaseState, cmd: c.RecordEnforcementStep, now: datetime) -> list[e.Event]:
    _must_be_open(state, "an enforcement step")
    _must_be_alive(state, "an enforcement step")
    _vulnerability_review_must_be_recent(state, now)
    return [e.EnforcementStepRecorded(at=now, by=cmd.by, step=cmd.step, note=cmd.note)]


def migration_workflow_id(tenancy_ref: str, id_scope: str | None = None) -> str:
    return child_ids.migration_id(tenancy_ref, id_scope)


def _migration_notice(
    state: CaseState, cmd: c.RecordMigrationNotice, now: datetime
) -> list[e.Event]:
    _must_be_open(state, "a migration notice")
    _must_be_alive(state, "a migration notice")
    wid = migration_workflow_id(state.tenancy_ref, state.id_scope)
    if state.migration is not None:
        raise DomainError(
            "notice_issued",
            "a migration notice is already recorded; send "
            f"extensions, the claim and award statements to {wid}",
        )
    if cmd.notice_issued > business_date(now):
        raise DomainError("notice_issued", "cannot be in the future")
    check_deadline_day(cmd.notice_issued, cmd.deadline_day, cmd.reissued)
    return [
        e.MigrationNoticeRecorded(
            at=now,
            by=cmd.by,
            notice_issued=cmd.notice_issued,
            deadline_day=cmd.deadline_day,
            reissued=cmd.reissued,
            tax_credits=cmd.tax_credits,
            workflow_id=wid,
        )
    ]


def _migration_progress(
    state: CaseState, cmd: c.RecordMigrationProgress, now: datetime
) -> list[e.Event]:
    if state.migration is None:
        raise DomainError("migration", "no migration notice is recorded on this case")
    events: list[e.Event] = [
        e.MigrationProgressed(
            at=now,
            by="managed_migration",
            kind=cmd.kind,
            text=cmd.text,
            status=cmd.status,
            protection=cmd.protection,
            active=cmd.active,
        )
    ]
    if state.status == "closed":
        return events  # journalled; a closed case opens no tasks
    if cmd.escalate:
        events += _escalation(state, now, "migration_follow_up", cmd.text)
    elif cmd.outreach and state.deceased_on is None:
        # No chasing a resident who has died (DOMAIN.md 4).
        due = now + timedelta(days=state.policy.migration_outreach_days)
        events.append(_task(state, now, e.SYSTEM, "migration_outreach", due, cmd.text))
    return events


def _request_arrangement(
    state: CaseState, cmd: c.RequestPaymentArrangement, now: datetime
) -> list[e.Event]:
    _must_be_open(state, "a payment arrangement")
    _must_be_alive(state, "a payment arrangement")
    factors = state.vulnerability.factors if state.vulnerability else ()
    apa_type: str | None = None
    standard_allowance, amount = None, None
    tpd_only = (
        "deduction_rate",
        "standard_allowance",
        "award_before_deductions",
        "other_deductions",
        "existing_deductions",
        "ap_start",
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
        _vulnerability_review_must_be_recent(state, now, "an APA request")
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
        )
        check_mptl_eligible(conditions)
        met = [x for x in conditions if x.met]
        if all(x.name in _TIER_GROUNDS for x in met):
            # Resting on vulnerability alone, the assessment must be current.
            _vulnerability_review_must_be_recent(state, now, "a managed payment on Tier grounds")
        reasons = tuple(x.explanation for x in met)
    else:
        standard_allowance, amount, reasons = _deduction(state, cmd, now)
    forms = _forms_for(cmd.kind, apa_type)
    if "UC47" in forms and not (state.resident.ni_number or state.resident.date_of_birth):
        # The UC47 identifies the resident by one or the other (DOMAIN.md 1.5).
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
    )
    # After the highest number in use (in a case from before ids were per case, a
    # request may have been renumbered past an earlier case's).
    number = max((child_ids.number_of(a.arrangement_id) for a in state.arrangements), default=0)
    return [
        e.PaymentArrangementRequested(
            at=now,
            by=cmd.by,
            arrangement_id=child_ids.arrangement_id(state.tenancy_ref, state.id_scope, number + 1),
            kind=cmd.kind,
            apa_type=apa_type,
            deduction_rate=cmd.deduction_rate,
            reasons=reasons,
            facts=facts,
        )
    ]


_TIER_GROUNDS = ("tier_1_or_2_factor", "housing_benefit_paid_direct")
_LIVE = ("requested", "submitted", "awaiting_outcome", "granted")


def _arrangement(state: CaseState, arrangement_id: str) -> ArrangementSummary | None:
    return next((a for a in state.arrangements if a.arrangement_id == arrangement_id), None)


def _forms_for(kind: str, apa_type: str | None) -> tuple[str, ...]:
    """The forms a request produces; the last is the one sent to DWP. A managed
    payment asked for as an APA goes to DWP on the UC47, with the APA1 pack kept."""
    if kind != "apa":
        return ("UC47",)
    return ("APA1", "UC47") if apa_type == "managed_payment_to_landlord" else ("APA1",)


def _deduction(
    state: CaseState, cmd: c.RequestPaymentArrangement, now: datetime
) -> tuple[Decimal | None, Decimal | None, tuple[str, ...]]:
    """A rent arrears deduction's checks; with the award figures, its amount too."""
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
    live = sum(1 for a in state.arrangements if a.kind == "tpd" and a.status in _LIVE)
    taken = max(cmd.existing_deductions, len(cmd.other_deductions))
    check_deduction_request(cmd.deduction_rate, taken + live)
    reasons: tuple[str, ...] = (f"rent arrears of £{state.balance}",)
    if cmd.standard_allowance is None:
        if cmd.award_before_deductions is not None or cmd.other_deductions or cmd.ap_start:
            raise DomainError(
                "standard_allowance", "the deduction's amount needs the standard allowance"
            )
        return None, None, reasons
    others = tuple(Deduction(d.kind, d.monthly_amount) for d in cmd.other_deductions)
    ap_start = cmd.ap_start or business_date(now)
    deduction = rent_arrears_deduction(
        rate_percent=cmd.deduction_rate,
        standard_allowance=cmd.standard_allowance,
        existing=others,
        ap_start=ap_start,
        award_before_deductions=cmd.award_before_deductions,
    )
    check_overall_cap(deduction, others, cmd.standard_allowance, ap_start)
    cap = overall_cap_percent(ap_start)
    reasons += (
        f"£{deduction.monthly_amount} a month ({cmd.deduction_rate}% of the standard allowance "
        f"£{cmd.standard_allowance}); the {cap}% overall cap does not limit rent arrears",
    )
    return cmd.standard_allowance, deduction.monthly_amount, reasons


def _end_arrangement(
    state: CaseState, cmd: c.EndPaymentArrangement, now: datetime
) -> list[e.Event]:
    arrangement = _arrangement(state, cmd.arrangement_id)
    if arrangement is None or arrangement.status not in _LIVE:
        live = ", ".join(a.arrangement_id for a in state.arrangements if a.status in _LIVE)
        raise DomainError(
            "arrangement_id", f"not a live payment arrangement; live: {live or 'none'}"
        )
    if cmd.ended_on > business_date(now):
        raise DomainError("ended_on", "cannot be in the future")
    if cmd.ended_on < business_date(arrangement.requested_at):
        raise DomainError(
            "ended_on",
            f"is before the request was made ({business_date(arrangement.requested_at)})",
        )
    decided = arrangement.status == "granted"
    if not decided and cmd.reason != "withdrawn_by_landlord":
        raise DomainError(
            "reason", "a request DWP has not decided can only be withdrawn_by_landlord"
        )
    if decided and cmd.reason == "withdrawn_by_landlord":
        raise DomainError("reason", "a granted arrangement is ended, not withdrawn: say why")
    return _ending(state, arrangement, now, cmd.by, cmd.ended_on, cmd.reason.replace("_", " "))


def _ending(
    state: CaseState,
    arrangement: ArrangementSummary,
    now: datetime,
    by: str,
    on: date,
    reason: str,
) -> list[e.Event]:
    status = "ended" if arrangement.status == "granted" else "withdrawn"
    events: list[e.Event] = [
        e.ArrangementEnded(
            at=now,
            by=by,
            arrangement_id=arrangement.arrangement_id,
            ended_on=on,
            reason=reason,
            status=status,
        )
    ]
    # Its chases and reviews are done with it.
    events += [
        e.TaskCompleted(at=now, by=e.SYSTEM, task_id=t.task_id, outcome=status)
        for t in state.open_tasks
        if _follows(t, arrangement.arrangement_id)
    ]
    return events


def _follows(task: Task, subject: str) -> bool:
    """Whether a task follows up this arrangement or action (tasks opened before
    tasks had a subject name it at the start of their note)."""
    if task.subject is not None:
        return task.subject == subject
    return re.search(rf"(?<![\w-]){re.escape(subject)}(?![\w-])", task.note) is not None


def _arrangement_progress(
    state: CaseState, cmd: c.RecordArrangementProgress, now: datetime
) -> list[e.Event]:
    arrangement = _arrangement(state, cmd.arrangement_id)
    if arrangement is None:
        raise DomainError("arrangement_id", "no such payment arrangement on this case")
    if arrangement.ended_on is not None:
        # The case ended it first (a death, a withdrawal): the notice is kept in
        # the journal, but neither revives it nor opens a task.
        return [
            e.ArrangementProgressed(
                at=now,
                by="payment_arrangement",
                arrangement_id=cmd.arrangement_id,
                kind=cmd.kind,
                text=f"{cmd.text} (after it was {arrangement.status})",
                status=arrangement.status,
                form_sha256=cmd.form_sha256,
                form_path=cmd.form_path,
                active=False,
            )
        ]
    events: list[e.Event] = [
        e.ArrangementProgressed(
            at=now,
            by="payment_arrangement",
            arrangement_id=cmd.arrangement_id,
            kind=cmd.kind,
            text=cmd.text,
            status=cmd.status,
            form_sha256=cmd.form_sha256,
            form_path=cmd.form_path,
            active=cmd.active,
            start_date=cmd.start_date,
            granted_rate=cmd.granted_rate,
            review_dates=cmd.review_dates,
            pack_sha256=cmd.pack_sha256,
            pack_path=cmd.pack_path,
        )
    ]
    if cmd.kind in ("arrangement_outcome", "arrangement_objected", "arrangement_failed"):
        # The answer has come: the chases for it are done.
        events += [
            e.TaskCompleted(at=now, by=e.SYSTEM, task_id=t.task_id, outcome=cmd.status)
            for t in state.open_tasks
            if t.kind in ("arrangement_chase", "arrangement_follow_up")
            and _follows(t, cmd.arrangement_id)
        ]
    if cmd.task is not None and state.deceased_on is None:  # no chases after a death
        days = {"arrangement_chase": 2, "arrangement_review": 7, "arrangement_follow_up": 0}
        if cmd.escalate:
            events += _escalation(state, now, cmd.task, cmd.text, subject=cmd.arrangement_id)
        else:
            due = now + timedelta(days=days[cmd.task])
            events.append(
                _task(state, now, e.SYSTEM, cmd.task, due, cmd.text, subject=cmd.arrangement_id)
            )
    return events


def _uc50(state: CaseState, cmd: c.RecordUc50Issued, now: datetime) -> list[e.Event]:
    _must_be_alive(state, "a UC50")
    if cmd.issued_on > business_date(now):
        raise DomainError("issued_on", "cannot be in the future")
    if cmd.issued_on < business_date(now) - timedelta(days=28):
        raise DomainError(
            "issued_on",
            "is more than 4 weeks ago, so the UC50 is already due back: "
            "record what happened to it as a journal note",
        )
    due = cmd.issued_on + timedelta(days=28)  # returned within 4 weeks
    return [
        e.InteractionRecorded(
            at=now,
            by=cmd.by,
            kind="uc50_issued",
            summary=f"UC50 issued {cmd.issued_on.isoformat()}; due back {due.isoformat()}",
        ),
        _task(
            state,
            now,
            cmd.by,
            "uc50_reminder",
            start_of_day(due - timedelta(days=7)),
            f"UC50 due {due.isoformat()}: remind the resident and offer help",
        ),
        _task(
            state,
            now,
            cmd.by,
            "uc50_return",
            start_of_day(due),
            f"UC50 due back {due.isoformat()}",
            offset=1,
        ),
    ]


def _start_sustainment(
    state: CaseState, cmd: c.StartSustainmentAction, now: datetime
) -> list[e.Event]:
    _must_be_open(state, "a tenancy sustainment action")
    _must_be_alive(state, "a tenancy sustainment action")
    action_id = f"action-{len(state.sustainment) + 1}"
    due = now + timedelta(days=cmd.follow_up_days)
    return [
        e.SustainmentStarted(
            at=now, by=cmd.by, action_id=action_id, kind=cmd.kind, owner=cmd.owner, note=cmd.note
        ),
        _task(
            state,
            now,
            cmd.by,
            "sustainment_follow_up",
            due,
            f"{action_id} {cmd.kind.replace('_', ' ')}: follow up",
            owner=cmd.owner,
            subject=action_id,
        ),
    ]


def _update_sustainment(
    state: CaseState, cmd: c.UpdateSustainmentAction, now: datetime
) -> list[e.Event]:
    action = next((a for a in state.sustainment if a.action_id == cmd.action_id), None)
    if action is None or action.status in FINAL_SUSTAINMENT:
        open_ids = (
            ", ".join(a.action_id for a in state.sustainment if a.status not in FINAL_SUSTAINMENT)
            or "none"
        )
        raise DomainError("action_id", f"not an open sustainment action; open: {open_ids}")
    if cmd.status in ("awarded", "refused") and action.kind != "dhp":
        raise DomainError("status", f"{cmd.status} is a Discretionary Housing Payment decision")
    _check_dhp_dates(action, cmd, business_date(now))
    if cmd.status == "awarded":
        if not (cmd.award_from and cmd.award_to and cmd.amount):
            raise DomainError("award_from", "an awarded DHP needs award_from, award_to and amount")
        if cmd.award_to <= cmd.award_from:
            raise DomainError("award_to", "must be after award_from")
    events: list[e.Event] = [
        e.SustainmentUpdated(
            at=now,
            by=cmd.by,
            action_id=cmd.action_id,
            status=cmd.status,
            note=cmd.note,
            award_from=cmd.award_from,
            award_to=cmd.award_to,
            amount=cmd.amount,
            applied_on=cmd.applied_on,
            decided_on=cmd.decided_on,
        )
    ]
    follow_ups = [t for t in state.open_tasks if _follows(t, cmd.action_id)]
    events += [
        e.TaskCompleted(at=now, by=cmd.by, task_id=t.task_id, outcome=cmd.status)
        for t in follow_ups
    ]
    if state.deceased_on is not None:
        return events
    if cmd.status not in FINAL_SUSTAINMENT and cmd.follow_up_days:
        due = now + timedelta(days=cmd.follow_up_days)
        events.append(
            _task(
                state,
                now,
                cmd.by,
                "sustainment_follow_up",
                due,
                f"{cmd.action_id} {action.kind.replace('_', ' ')}: follow up",
                owner=action.owner,
                subject=cmd.action_id,
            )
        )
    elif cmd.status == "awarded" and cmd.award_to:
        # Before the award runs out: review the household and apply again if needed.
        review = max(
            cmd.award_to - timedelta(days=state.policy.dhp_review_days_before_end),
            business_date(now),
        )
        events.append(
            _task(
                state,
                now,
                cmd.by,
                "sustainment_follow_up",
                start_of_day(review),
                f"{cmd.action_id} DHP award ends {cmd.award_to.isoformat()}: "
                "review the rent shortfall and apply again if it continues",
                owner=action.owner,
                subject=cmd.action_id,
            )
        )
    return events


def _check_dhp_dates(
    action: SustainmentAction, cmd: c.UpdateSustainmentAction, today: date
) -> None:
    """A DHP's application and decision dates: in the past, in order, and given
    when the step they belong to is recorded."""
    if action.kind != "dhp":
        for name in ("applied_on", "decided_on", "award_from", "award_to", "amount"):
            if getattr(cmd, name) is not None:
                raise DomainError(name, "only a Discretionary Housing Payment takes this")
        return
    applied = cmd.applied_on or action.applied_on
    for name in ("applied_on", "decided_on"):
        day = getattr(cmd, name)
        if day is not None and day > today:
            raise DomainError(name, "cannot be in the future")
    if cmd.status == "awaiting_decision" and applied is None:
        raise DomainError(
            "applied_on", "a DHP awaiting the council's decision needs the date it was applied for"
        )
    if cmd.status in ("awarded", "refused"):
        if applied is None:
            raise DomainError("applied_on", "a DHP decision needs the date it was applied for")
        if cmd.decided_on is None:
            raise DomainError("decided_on", "a DHP decision needs the date the council decided")
    if cmd.decided_on is not None and applied is not None and cmd.decided_on < applied:
        raise DomainError("decided_on", f"is before the application ({applied.isoformat()})")


def _agree_plan(state: CaseState, cmd: c.AgreeArrearsPlan, now: datetime) -> list[e.Event]:
    _must_be_open(state, "an arrears plan")
    _must_be_alive(state, "an arrears plan")
    today = business_date(now)
    if cmd.by_date <= today:
        raise DomainError("by_date", "must be in the future")
    if cmd.target_balance >= state.balance:
        raise DomainError("target_balance", f"must be below the current balance £{state.balance}")
    return [
        e.ArrearsPlanAgreed(
            at=now,
            by=cmd.by,
            start_balance=state.balance,
            start_date=today,
            target_balance=cmd.target_balance,
            by_date=cmd.by_date,
            tolerance=cmd.tolerance,
        )
    ]


_HANDLERS: dict[type, Callable[[CaseState, Any, datetime], list[e.Event]]] = {
    c.RecordClaimStatus: _record_claim_status,
    c.RecordRentMovement: _record_rent_movement,
    c.RecordVulnerabilityAssessment: _record_vulnerability,
    c.AddJournalNote: _add_note,
    c.MoveStage: _move_stage,
    c.CloseCase: _close,
    c.ReopenCase: _reopen,
    c.RecordSafeguardingDeclaration: _declare,
    c.CompletePlanStep: _complete_step,
    c.RecordDeath: _record_death,
    c.RequestCallBack: _request_call_back,
    c.RecordReturnedPost: _returned_post,
    c.RecordComplaint: _complaint,
    c.RecordRepresentative: _representative,
    c.RecordChangeOfCircumstances: _circumstances,
    c.RecordIncomingMessage: _incoming_message,
    c.CompleteTask: _complete_task,
    c.RecordEnforcementStep: _enforcement,
    c.RecordMigrationNotice: _migration_notice,
    c.RecordMigrationProgress: _migration_progress,
    c.RequestPaymentArrangement: _request_arrangement,
    c.EndPaymentArrangement: _end_arrangement,
    c.RecordArrangementProgress: _arrangement_progress,
    c.RecordUc50Issued: _uc50,
    c.StartSustainmentAction: _start_sustainment,
    c.UpdateSustainmentAction: _update_sustainment,
    c.AgreeArrearsPlan: _agree_plan,
}
# Commands a back office sends (not a child's notices): their dates are checked
# against the case's clock (domain/values.py, check_horizon).
_FROM_OUTSIDE = frozenset(c.COMMANDS.values())


def on_time_passed(state: CaseState, now: datetime) -> list[e.Event]:
    """What the passing of time does: escalate overdue tasks, end the post-closure watch."""
    events: list[e.Event] = [
        e.TaskEscalated(at=now, by=e.SYSTEM, task_id=t.task_id)
        for t in state.open_tasks
        if t.escalated_at is None and t.due_at <= now
    ]
    plan = state.arrears_plan
    if (
        plan is not None
        and plan.outcome is None
        and state.deceased_on is None
        and now >= start_of_day(plan.by_date + timedelta(days=1))
    ):
        met = state.balance <= plan.target_balance
        events.append(
            e.ArrearsPlanChecked(
                at=now,
                by=e.SYSTEM,
                standing="met" if met else "missed",
                expected=plan.target_balance,
                balance=state.balance,
            )
        )
        if not met:
            note = (
                f"arrears plan missed: £{state.balance} against a target of £{plan.target_balance}"
            )
            events += _escalation(state, now, "recovery_plan_missed", note)
    end = watch_end(state)
    if end is not None and now >= end and not state.open_tasks and not state.open_plan_steps:
        events.append(e.WatchEnded(at=now, by=e.SYSTEM))
    return events
