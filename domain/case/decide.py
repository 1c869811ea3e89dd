"""decide(state, command, now) -> events. Raises DomainError naming the broken rule."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.arrangements.rules import (
    check_deduction_request,
    check_mptl_eligible,
    mptl_conditions,
    recommended_apa_types,
)
from domain.case import commands as c
from domain.case import events as e
from domain.case.deadlines import watch_end
from domain.case.model import FINAL_SUSTAINMENT, CaseState, ClaimStatus, TaskKind
from domain.dates import add_months, business_date, start_of_day
from domain.errors import DomainError
from domain.migration.deadlines import check_deadline_day
from domain.rent import monthly_equivalent
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


def _vulnerability_review_must_be_recent(state: CaseState, now: datetime) -> None:
    review = state.vulnerability
    max_age = state.policy.vulnerability_review_max_age_days
    if review is None:
        raise DomainError(
            "vulnerability",
            "an enforcement step needs a vulnerability review on the case first",
        )
    if now - review.assessed_at > timedelta(days=max_age):
        raise DomainError(
            "vulnerability",
            f"the last vulnerability review ({review.assessed_at.date().isoformat()}) is older "
            f"than {max_age} days; review vulnerability before any enforcement step",
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
) -> e.TaskOpened:
    # `offset`: tasks opened earlier in the same decision.
    task_id = f"task-{len(state.tasks) + 1 + offset}"
    if state.deceased_on is not None and owner == "income_team":
        # After a death the income team's follow-ups become the bereavement
        # team's, never a chase; complaints stay with the complaints team.
        owner = "bereavement_team"
    return e.TaskOpened(
        at=now, by=by, task_id=task_id, kind=kind, due_at=due, owner=owner, note=note
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
    # Judged against where the plan stands today, whatever date the entry carries.
    return events + _plan_standing(state, balance, business_date(now), now)


def _escalation(state: CaseState, now: datetime, kind: TaskKind, note: str) -> list[e.Event]:
    """A task due now and escalated at once: what needs someone today."""
    task = _task(state, now, e.SYSTEM, kind, now, note)
    return [task, e.TaskEscalated(at=now, by=e.SYSTEM, task_id=task.task_id)]


def _plan_standing(state: CaseState, balance: Decimal, day: date, now: datetime) -> list[e.Event]:
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
    return [checked, *_escalation(state, now, "recovery_behind_plan", note)]


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
    events: list[e.Event] = [
        e.DeathRecorded(at=now, by=cmd.by, date_of_death=cmd.date_of_death, informant=cmd.informant)
    ]
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


def migration_workflow_id(tenancy_ref: str) -> str:
    return f"uc-migration-{tenancy_ref}"


def _migration_notice(
    state: CaseState, cmd: c.RecordMigrationNotice, now: datetime
) -> list[e.Event]:
    _must_be_open(state, "a migration notice")
    _must_be_alive(state, "a migration notice")
    wid = migration_workflow_id(state.tenancy_ref)
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
    if cmd.kind != "tpd" and cmd.deduction_rate is not None:
        raise DomainError("deduction_rate", "only a rent arrears deduction (tpd) has a rate")
    if cmd.kind != "apa" and not (state.resident.ni_number or state.resident.date_of_birth):
        # The UC47 identifies the resident by one or the other (DOMAIN.md 1.5).
        raise DomainError(
            "resident",
            "a UC47 needs the resident's National Insurance number or date of birth on the case",
        )
    if cmd.kind == "apa":
        options = recommended_apa_types(factors, couple=cmd.apa_type == "split_payments")
        if not options:
            raise DomainError(
                "kind",
                "an APA needs a Tier 1 or Tier 2 factor on the case: "
                "record a vulnerability assessment first",
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
        reasons = tuple(x.explanation for x in conditions if x.met)
    else:
        if cmd.deduction_rate is None:
            raise DomainError("deduction_rate", "a rent arrears deduction needs its rate (10-20%)")
        # Deductions DWP already takes, plus this case's own requests still live.
        live = sum(
            1
            for a in state.arrangements
            if a.kind == "tpd" and a.status not in ("refused", "withdrawn", "objected")
        )
        check_deduction_request(cmd.deduction_rate, cmd.existing_deductions + live)
        if state.balance <= 0:
            raise DomainError("kind", "there are no rent arrears to deduct for")
        reasons = (f"rent arrears of £{state.balance}",)
    number = len(state.arrangements) + 1
    return [
        e.PaymentArrangementRequested(
            at=now,
            by=cmd.by,
            arrangement_id=f"uc-apa-{state.tenancy_ref}-{number}",
            kind=cmd.kind,
            apa_type=apa_type,
            deduction_rate=cmd.deduction_rate,
            reasons=reasons,
        )
    ]


def _arrangement_progress(
    state: CaseState, cmd: c.RecordArrangementProgress, now: datetime
) -> list[e.Event]:
    if cmd.arrangement_id not in {a.arrangement_id for a in state.arrangements}:
        raise DomainError("arrangement_id", "no such payment arrangement on this case")
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
        )
    ]
    if cmd.kind in ("arrangement_outcome", "arrangement_objected"):
        # The answer has come: the chases for it are done.
        events += [
            e.TaskCompleted(at=now, by=e.SYSTEM, task_id=t.task_id, outcome=cmd.status)
            for t in state.open_tasks
            if t.kind in ("arrangement_chase", "arrangement_follow_up")
            and cmd.arrangement_id in t.note
        ]
    if cmd.task is not None and state.deceased_on is None:  # no chases after a death
        days = {"arrangement_chase": 2, "arrangement_review": 7, "arrangement_follow_up": 0}
        if cmd.escalate:
            events += _escalation(state, now, cmd.task, cmd.text)
        else:
            due = now + timedelta(days=days[cmd.task])
            events.append(_task(state, now, e.SYSTEM, cmd.task, due, cmd.text))
    return events


def _uc50(state: CaseState, cmd: c.RecordUc50Issued, now: datetime) -> list[e.Event]:
    _must_be_alive(state, "a UC50")
    if cmd.issued_on > business_date(now):
        raise DomainError("issued_on", "cannot be in the future")
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
        )
    ]
    follow_ups = [t for t in state.open_tasks if t.note.startswith(f"{cmd.action_id} ")]
    events += [
        e.TaskCompleted(at=now, by=cmd.by, task_id=t.task_id, outcome=cmd.status)
        for t in follow_ups
    ]
    if cmd.status not in FINAL_SUSTAINMENT and cmd.follow_up_days and state.deceased_on is None:
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
            )
        )
    return events


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
    c.RecordArrangementProgress: _arrangement_progress,
    c.RecordUc50Issued: _uc50,
    c.StartSustainmentAction: _start_sustainment,
    c.UpdateSustainmentAction: _update_sustainment,
    c.AgreeArrearsPlan: _agree_plan,
}


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
