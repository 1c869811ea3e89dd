"""The journal prose of a case: what each event says, as (kind, outcome, text).
A projection of the events, the same for the journal the workflow serves and the
read model; no rule reads it, so it is not in the case's state."""

from domain.case import events as e
from domain.case.model import ClaimStatus, JournalEntry
from domain.migration.deadlines import final_deadline


def entry(ev: e.Event, seq: int) -> JournalEntry:
    """The journal entry of the event whose sequence number is `seq` (the case's
    version once it is applied)."""
    kind, outcome, text = describe(ev)
    return JournalEntry(seq=seq, at=ev.at, author=ev.by, kind=kind, outcome=outcome, text=text)


def describe(ev: e.Event) -> tuple[str, str, str]:
    """(kind, outcome, text) of the journal entry an event writes."""
    match ev:
        case e.CaseOpened():
            return (
                "case_opened",
                "opened",
                f"case opened: {ev.opening_reason.replace('_', ' ')}; "
                f"rent £{ev.monthly_rent} a month; balance £{ev.balance}",
            )
        case e.ClaimStatusRecorded():
            c = ev.claim
            return (
                "claim_status",
                c.claim_stage,
                f"DWP portal: claim {c.claim_stage.replace('_', ' ')}, first AP starts "
                f"{c.first_ap_start.isoformat()}, housing element £{c.housing_element}, "
                f"sanctions {'yes' if c.sanctions else 'no'}, regime {c.conditionality_regime}"
                + _occupation(c),
            )
        case e.AwardStatementRecorded():
            st = ev.statement
            allowance = (
                f"work allowance £{st.work_allowance}"
                if st.work_allowance_applies
                else "no work allowance (nil)"
            )
            return (
                "award_statement",
                "recorded",
                f"award statement for the AP starting {st.ap_start.isoformat()}: housing costs "
                f"element {'included' if st.housing_costs_element else 'not included'}, "
                f"earned income £{st.earned_income}, {allowance}",
            )
        case e.RentMovementRecorded():
            return (
                "rent_account",
                ev.kind,
                f"{ev.kind.replace('_', ' ')} £{ev.amount} on "
                f"{ev.on.isoformat()}; balance £{ev.balance_after}",
            )
        case e.VulnerabilityAssessed():
            factors = ", ".join(ev.factors) or "no factors found"
            return ("vulnerability_assessment", ev.tier, f"vulnerability assessed: {factors}")
        case e.JournalNoteAdded():
            return (ev.kind, ev.outcome, ev.text)
        case e.StageMoved():
            return ("stage", ev.stage, f"moved to {ev.stage.replace('_', ' ')}: {ev.reason}")
        case e.CaseClosed():
            return (
                "case_closed",
                ev.outcome,
                f"closed: {ev.outcome.replace('_', ' ')}; watching "
                f"the rent account until {ev.watch_until.isoformat()}. {ev.reason}".strip(),
            )
        case e.CaseReopened():
            return ("case_reopened", "reopened", ev.reason)
        case e.WatchEnded():
            return ("case_completed", "completed", "post-closure watch ended; case completed")
        case e.SafeguardingDeclared():
            return (
                "safeguarding",
                "escalated",
                f"{ev.kind.replace('_', ' ')} declared: "
                f"Six-Point Plan opened and escalated. {ev.note}".strip(),
            )
        case e.PlanStepCompleted():
            return (
                "safeguarding",
                "step_done",
                f"Six-Point Plan step done: {ev.step}. {ev.note}".strip(),
            )
        case e.DeathRecorded():
            return (
                "bereavement",
                "death_recorded",
                "death recorded: outgoing communications "
                "suppressed, reminders cancelled, enforcement stopped",
            )
        case e.InteractionRecorded():
            return (ev.kind, "recorded", ev.summary)
        case e.RepresentativeRecorded():
            return (
                "representative",
                ev.kind,
                f"{ev.kind.replace('_', ' ')} recorded: communications and decisions go to them",
            )
        case e.RepresentativeVerified():
            reference = f" ({ev.note})" if ev.note else ""
            return (
                "representative",
                "verified",
                f"authority verified on {ev.verified_on.isoformat()}: "
                f"{ev.evidence.replace('_', ' ')}{reference}",
            )
        case e.EnforcementStepRecorded():
            return ("enforcement", ev.step, f"{ev.step.replace('_', ' ')}. {ev.note}".strip())
        case e.TaskOpened():
            return (
                "task",
                "opened",
                f"{ev.task_id} {ev.kind.replace('_', ' ')} for {ev.owner}, "
                f"due {ev.due_at.isoformat()}: {ev.note}",
            )
        case e.TaskCompleted():
            return ("task", "done", f"{ev.task_id} done: {ev.outcome}")
        case e.TaskEscalated():
            return ("task", "escalated", f"{ev.task_id} overdue: escalated")
        case e.TasksCancelled():
            return ("task", "cancelled", f"{', '.join(ev.task_ids)} cancelled: {ev.reason}")
        case e.MigrationNoticeRecorded():
            final = final_deadline(ev.deadline_day).isoformat()
            return (
                "migration_notice",
                "recorded",
                f"migration notice issued "
                f"{ev.notice_issued.isoformat()}; deadline day {ev.deadline_day.isoformat()}; "
                f"final deadline {final}; tracked by {ev.workflow_id}",
            )
        case e.MigrationProgressed():
            return (ev.kind, ev.status, ev.text)
        case e.PaymentArrangementRequested():
            what = ev.apa_type or ev.kind
            rate = f" at {ev.deduction_rate}%" if ev.deduction_rate else ""
            return (
                "payment_arrangement",
                "requested",
                f"{ev.kind.upper()} requested "
                f"({what.replace('_', ' ')}{rate}) as {ev.arrangement_id}: "
                f"{'; '.join(ev.reasons)}",
            )
        case e.ArrangementProgressed():
            return (ev.kind, ev.status, ev.text)
        case e.ArrangementEnded():
            return (
                "payment_arrangement",
                ev.status,
                f"{ev.arrangement_id} {ev.status} on {ev.ended_on.isoformat()}: {ev.reason}",
            )
        case e.ArrangementRenumbered():
            return (
                "payment_arrangement",
                "renumbered",
                f"{ev.arrangement_id} was used by an earlier case of this tenancy; "
                f"this request is {ev.new_id}",
            )
        case e.SustainmentStarted():
            return (
                "tenancy_sustainment",
                "requested",
                f"{ev.action_id} {ev.kind.replace('_', ' ')} for {ev.owner}. {ev.note}".strip(),
            )
        case e.SustainmentUpdated():
            award = f" Applied {ev.applied_on.isoformat()}." if ev.applied_on else ""
            if ev.decided_on:
                award += f" Decided {ev.decided_on.isoformat()}."
            if ev.award_from and ev.award_to:
                award += (
                    f" DHP of £{ev.amount} a month from {ev.award_from.isoformat()} to "
                    f"{ev.award_to.isoformat()}."
                )
            return (
                "tenancy_sustainment",
                ev.status,
                f"{ev.action_id} {ev.status.replace('_', ' ')}.{award} {ev.note}".strip(),
            )
        case e.ArrearsPlanAgreed():
            return (
                "recovery",
                "plan_agreed",
                f"arrears plan: £{ev.start_balance} down to "
                f"£{ev.target_balance} by {ev.by_date.isoformat()} (tolerance £{ev.tolerance})",
            )
        case e.ArrearsPlanChecked():
            return (
                "recovery",
                ev.standing,
                f"arrears plan {ev.standing.replace('_', ' ')}: "
                f"balance £{ev.balance}, plan £{ev.expected}",
            )
        case e.ProgressNoticeRefused():
            return ("progress_notice", "refused", f"{ev.notice} refused: {ev.rule}")
        case e.ChildNotStarted():
            what = ev.child.replace("_", " ")
            return (ev.child, "not_started", f"{what} {ev.workflow_id} not started: {ev.reason}")
    raise TypeError(f"describe: no rule for {type(ev).__name__}")


def _occupation(claim: ClaimStatus) -> str:
    """What a claim status says of where the resident lives, when it says it (a status
    recorded before these facts were kept reads as it always did)."""
    said = ""
    if claim.still_in_occupation is not None:
        said += f", still living there {'yes' if claim.still_in_occupation else 'no'}"
    if claim.exempt_accommodation_with_hb:
        said += ", exempt accommodation with Housing Benefit"
    return said
