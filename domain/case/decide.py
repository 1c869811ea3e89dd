"""decide(state, command, now) -> events: the dispatch to the rules in domain/case/rules/.
Raises DomainError naming the broken rule."""

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from domain.case import commands as c
from domain.case import events as e
from domain.case.deadlines import watch_end
from domain.case.model import CaseState, JournalEntry
from domain.case.rules.arrangement_requests import request_payment_arrangement
from domain.case.rules.arrangements import (
    end_payment_arrangement,
    find_arrangement,
    record_arrangement_progress,
)
from domain.case.rules.bereavement import record_death
from domain.case.rules.claim_status import record_award_statement, record_claim_status
from domain.case.rules.contact import (
    add_journal_note,
    record_change_of_circumstances,
    record_complaint,
    record_incoming_message,
    record_returned_post,
    request_call_back,
)
from domain.case.rules.enforcement import record_enforcement_step
from domain.case.rules.lifecycle import close_case, move_stage, reopen_case, reopen_for_follow_up
from domain.case.rules.migration_notice import record_migration_notice, record_migration_progress
from domain.case.rules.recovery import agree_arrears_plan, plan_end_reached
from domain.case.rules.rent_account import record_rent_movement
from domain.case.rules.representatives import (
    consent_needs_verified_representative,
    record_representative,
    verify_representative,
)
from domain.case.rules.safeguarding import complete_plan_step, record_safeguarding_declaration
from domain.case.rules.sustainment import start_sustainment_action, update_sustainment_action
from domain.case.rules.tasks import complete_task, escalation
from domain.case.rules.uc50 import record_uc50_issued
from domain.case.rules.vulnerability import record_vulnerability_assessment
from domain.dates import business_date
from domain.errors import DomainError
from domain.notices import NotFromTheChild
from domain.rent import monthly_equivalent
from domain.shared.dispatch import handler_for
from domain.values import check_horizon


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


def decide(
    state: CaseState, command: Any, now: datetime, *, tpd_conditions: bool = True
) -> list[e.Event]:
    """`tpd_conditions`: False only to replay a rent arrears deduction request accepted
    before its legal conditions were enforced (workflows/uc_case_core.py)."""
    handler = handler_for(_HANDLERS, command)
    if not tpd_conditions and isinstance(command, c.RequestPaymentArrangement):
        handler = partial(request_payment_arrangement, legal_conditions=False)
    if state.status == "completed":
        raise DomainError("case", "the case is completed and takes no more commands")
    if type(command) in _FROM_OUTSIDE:
        check_horizon(command, business_date(now))
    consent_needs_verified_representative(state, command)
    return reopen_for_follow_up(state, handler(state, command, now), now)


def journal_carried(state: CaseState, journal: Sequence[JournalEntry]) -> tuple[JournalEntry, ...]:
    """The journal entries a continued run starts with: the latest (the SQL read model
    keeps every one), so the payload stays small."""
    keep = state.policy.journal_entries_carried
    return tuple(journal[-keep:])


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
        return reopen_for_follow_up(
            state, [refused, *escalation(state, now, "migration_follow_up", note)], now
        )
    arrangement = find_arrangement(state, child_id)
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
    follow_up = escalation(state, now, "arrangement_follow_up", note, subject=child_id)
    return reopen_for_follow_up(state, [refused, ended, *follow_up], now)


def notice_refused(notice: str, refusal: NotFromTheChild, now: datetime) -> list[e.Event]:
    """A progress notice not from the child the case started: journalled, naming the
    rule and never what it said; nothing else changes."""
    return [e.ProgressNoticeRefused(at=now, by=e.SYSTEM, notice=notice, rule=refusal.rule)]


_HANDLERS: dict[type, Callable[[CaseState, Any, datetime], list[e.Event]]] = {
    c.RecordClaimStatus: record_claim_status,
    c.RecordRentMovement: record_rent_movement,
    c.RecordVulnerabilityAssessment: record_vulnerability_assessment,
    c.AddJournalNote: add_journal_note,
    c.MoveStage: move_stage,
    c.CloseCase: close_case,
    c.ReopenCase: reopen_case,
    c.RecordSafeguardingDeclaration: record_safeguarding_declaration,
    c.CompletePlanStep: complete_plan_step,
    c.RecordDeath: record_death,
    c.RequestCallBack: request_call_back,
    c.RecordReturnedPost: record_returned_post,
    c.RecordComplaint: record_complaint,
    c.RecordRepresentative: record_representative,
    c.VerifyRepresentative: verify_representative,
    c.RecordChangeOfCircumstances: record_change_of_circumstances,
    c.RecordIncomingMessage: record_incoming_message,
    c.CompleteTask: complete_task,
    c.RecordEnforcementStep: record_enforcement_step,
    c.RecordMigrationNotice: record_migration_notice,
    c.RecordMigrationProgress: record_migration_progress,
    c.RequestPaymentArrangement: request_payment_arrangement,
    c.EndPaymentArrangement: end_payment_arrangement,
    c.RecordArrangementProgress: record_arrangement_progress,
    c.RecordUc50Issued: record_uc50_issued,
    c.RecordAwardStatement: record_award_statement,
    c.StartSustainmentAction: start_sustainment_action,
    c.UpdateSustainmentAction: update_sustainment_action,
    c.AgreeArrearsPlan: agree_arrears_plan,
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
    events += plan_end_reached(state, now)
    end = watch_end(state)
    if end is not None and now >= end and not state.open_tasks and not state.open_plan_steps:
        events.append(e.WatchEnded(at=now, by=e.SYSTEM))
    return events
