"""evolve(state, event) -> state: the facts each event changes, and the count of
events applied (`version`, each event's sequence number). What an event says in the
journal is a projection of it (domain/case/journal.py), kept by the workflow."""

from dataclasses import replace
from typing import TypeVar

from domain.arrangements.progress import progress_fields
from domain.case import events as e
from domain.case.model import (
    RENT_LINES_KEPT,
    ArrangementSummary,
    ArrearsPlan,
    CaseState,
    ChecklistStep,
    Closure,
    MigrationSummary,
    RentLine,
    Representative,
    Stage,
    Status,
    SustainmentAction,
    Task,
    VulnerabilityRecord,
    with_statement,
)
from domain.policy import CasePolicy
from domain.shared.children import ChildNames

T = TypeVar("T")


def initial_state(event: e.CaseOpened, policy: CasePolicy, children: ChildNames) -> CaseState:
    """`children`: what the case's child workflows are called (workflows/ids.py)."""
    state = CaseState(
        tenancy_ref=event.tenancy_ref,
        opening_reason=event.opening_reason,  # type: ignore[arg-type]
        opened_at=event.at,
        opened_by=event.by,
        resident=event.resident,
        tenancy=event.tenancy,
        rent=event.rent,
        monthly_rent=event.monthly_rent,
        balance=event.balance,
        policy=policy,
        children=children,
    )
    return _counted(state)


def evolve(state: CaseState, event: e.Event) -> CaseState:
    return _counted(_apply(state, event))


def _apply(s: CaseState, ev: e.Event) -> CaseState:
    match ev:
        case e.ClaimStatusRecorded():
            claimed: Stage = "claim_status" if s.stage == "logged" else s.stage
            return replace(s, claim=ev.claim, stage=claimed)
        case e.AwardStatementRecorded():
            return replace(s, award_statements=with_statement(s.award_statements, ev.statement))
        case e.RentMovementRecorded():
            line = RentLine(ev.on, ev.kind, ev.amount, ev.balance_after, ev.reference)
            kept = (*s.rent_account, line)[-RENT_LINES_KEPT:]
            return replace(s, balance=ev.balance_after, rent_account=kept)
        case e.VulnerabilityAssessed():
            record = VulnerabilityRecord(
                factors=ev.factors,
                tier=ev.tier,  # type: ignore[arg-type]
                assessed_at=ev.at,
                assessed_by=ev.by,
            )
            early = s.stage in ("logged", "claim_status")
            assessed: Stage = "vulnerability_assessment" if early else s.stage
            return replace(s, vulnerability=record, stage=assessed)
        case e.StageMoved():
            return replace(s, stage=ev.stage)  # type: ignore[arg-type]
        case e.CaseClosed():
            closure = Closure(
                outcome=ev.outcome,
                closed_at=ev.at,
                closed_by=ev.by,
                balance_at_closure=ev.balance_at_closure,
                watch_until=ev.watch_until,
            )
            return replace(
                s, status="closed", stage="closed", stage_before_closure=s.stage, closure=closure
            )
        case e.CaseReopened():
            status: Status = "bereavement" if s.deceased_on else "open"
            return replace(
                s,
                status=status,
                stage=s.stage_before_closure or "logged",
                stage_before_closure=None,
                closure=None,
                reopen_count=s.reopen_count + 1,
            )
        case e.WatchEnded():
            return replace(s, status="completed")
        case e.SafeguardingDeclared():
            return replace(s, six_point_plan=tuple(ChecklistStep(step=x) for x in ev.steps))
        case e.PlanStepCompleted():
            steps = tuple(
                replace(x, done_at=ev.at, done_by=ev.by) if x.step == ev.step else x
                for x in s.six_point_plan
            )
            return replace(s, six_point_plan=steps)
        case e.DeathRecorded():
            status = s.status if s.status == "closed" else "bereavement"
            return replace(s, deceased_on=ev.date_of_death, status=status)
        case e.RepresentativeRecorded():
            rep = Representative(
                kind=ev.kind,
                name=ev.name,
                contact=ev.contact,
                verification_required=ev.verification_required,
            )
            return replace(s, representative=rep)
        case e.RepresentativeVerified():
            assert s.representative is not None
            checked = replace(
                s.representative,
                verified_on=ev.verified_on,
                verified_by=ev.by,
                evidence=ev.evidence,
                evidence_reference=ev.note,
            )
            return replace(s, representative=checked)
        case e.EnforcementStepRecorded():
            return replace(s, last_enforcement_step=ev.step)
        case e.TaskOpened():
            task = Task(
                task_id=ev.task_id,
                kind=ev.kind,  # type: ignore[arg-type]
                due_at=ev.due_at,
                opened_at=ev.at,
                note=ev.note,
                owner=ev.owner,
                subject=ev.subject,
            )
            return replace(s, tasks=(*s.tasks, task))
        case e.TaskCompleted():
            return _update_tasks(s, {ev.task_id}, status="done", closed_at=ev.at, closed_by=ev.by)
        case e.TasksCancelled():
            return _update_tasks(
                s, set(ev.task_ids), status="cancelled", closed_at=ev.at, closed_by=ev.by
            )
        case e.TaskEscalated():
            return _update_tasks(s, {ev.task_id}, escalated_at=ev.at)
        case e.MigrationNoticeRecorded():
            summary = MigrationSummary(
                notice_issued=ev.notice_issued,
                deadline_day=ev.deadline_day,
                workflow_id=ev.workflow_id,
                tax_credits=ev.tax_credits,
                reissued=ev.reissued,
            )
            return replace(s, migration=summary, stage="managed_migration")
        case e.MigrationProgressed():
            assert s.migration is not None
            return replace(
                s,
                migration=replace(
                    s.migration, status=ev.status, protection=ev.protection, active=ev.active
                ),
            )
        case e.PaymentArrangementRequested():
            requested = ArrangementSummary(
                arrangement_id=ev.arrangement_id,
                kind=ev.kind,
                apa_type=ev.apa_type,
                requested_at=ev.at,
                deduction_rate=ev.deduction_rate,
                facts=ev.facts,
            )
            return replace(
                s, arrangements=(*s.arrangements, requested), stage="payment_arrangement"
            )
        case e.ArrangementProgressed():
            arrangements = _update(
                s.arrangements,
                "arrangement_id",
                ev.arrangement_id,
                status=ev.status,
                active=ev.active,
                **progress_fields(ev),
            )
            return replace(s, arrangements=arrangements)
        case e.ArrangementEnded():
            arrangements = _update(
                s.arrangements,
                "arrangement_id",
                ev.arrangement_id,
                status=ev.status,
                active=False,
                ended_on=ev.ended_on,
                ended_reason=ev.reason,
            )
            return replace(s, arrangements=arrangements)
        case e.ArrangementRenumbered():
            arrangements = _update(
                s.arrangements, "arrangement_id", ev.arrangement_id, arrangement_id=ev.new_id
            )
            return replace(s, arrangements=arrangements)
        case e.SustainmentStarted():
            action = SustainmentAction(
                action_id=ev.action_id,
                kind=ev.kind,
                owner=ev.owner,
                status="requested",
                opened_at=ev.at,
                note=ev.note,
            )
            stage: Stage = "tenancy_sustainment" if s.status != "closed" else s.stage
            return replace(s, sustainment=(*s.sustainment, action), stage=stage)
        case e.SustainmentUpdated():
            actions = _update(
                s.sustainment,
                "action_id",
                ev.action_id,
                status=ev.status,
                award_from=ev.award_from,
                award_to=ev.award_to,
                amount=ev.amount,
                applied_on=ev.applied_on,
                decided_on=ev.decided_on,
            )
            return replace(s, sustainment=actions)
        case e.ArrearsPlanAgreed():
            plan = ArrearsPlan(
                start_balance=ev.start_balance,
                start_date=ev.start_date,
                target_balance=ev.target_balance,
                by_date=ev.by_date,
                tolerance=ev.tolerance,
            )
            return replace(s, arrears_plan=plan, stage="recovery")
        case e.ArrearsPlanChecked():
            assert s.arrears_plan is not None
            if ev.standing in ("met", "missed"):
                return replace(s, arrears_plan=replace(s.arrears_plan, outcome=ev.standing))
            behind = ev.standing == "behind"
            return replace(s, arrears_plan=replace(s.arrears_plan, behind=behind))
        case e.ChildNotStarted():
            if s.migration is not None and ev.workflow_id == s.migration.workflow_id:
                # Nothing tracks its deadlines: not pretended, and the escalation
                # decided with this event puts it before someone.
                return replace(
                    s, migration=replace(s.migration, status="not_started", active=False)
                )
            return s
        case e.JournalNoteAdded() | e.InteractionRecorded() | e.ProgressNoticeRefused():
            return s
    raise TypeError(f"evolve: no rule for {type(ev).__name__}")


def _update(items: tuple[T, ...], key: str, ident: str, **changes: object) -> tuple[T, ...]:
    """The item whose `key` is `ident`, with each change that carries a value applied
    (a change left empty keeps what the item had)."""
    kept = {k: v for k, v in changes.items() if v is not None and v != () and v != ""}
    return tuple(replace(x, **kept) if getattr(x, key) == ident else x for x in items)  # type: ignore[type-var]


def _update_tasks(s: CaseState, ids: set[str], **changes: object) -> CaseState:
    tasks = tuple(replace(t, **changes) if t.task_id in ids else t for t in s.tasks)  # type: ignore[arg-type]
    return replace(s, tasks=tasks)


def _counted(s: CaseState) -> CaseState:
    """One more event applied: its sequence number is the new version."""
    return replace(s, version=s.version + 1)
