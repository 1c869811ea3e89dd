"""Appointees, attorneys and deputies: recording one opens a task to verify their
authority; decisions needing the resident's consent wait until it is verified
(docs/representatives.md)."""

from datetime import datetime, timedelta

from domain.case import commands as c
from domain.case import events as e
from domain.case.model import CaseState
from domain.case.rules.tasks import new_task
from domain.dates import business_date
from domain.errors import DomainError

# The evidence that proves each kind of authority.
EVIDENCE_FOR = {
    "appointee": "dwp_appointee_letter",
    "lasting_power_of_attorney": "lpa_registered",
    "deputy": "court_order",
}

# Decisions the resident (or whoever acts for them) must consent to: update name ->
# what the refusal calls it.
NEEDS_CONSENT: dict[type, str] = {
    c.AgreeArrearsPlan: "an arrears plan",
    c.RequestPaymentArrangement: "a payment arrangement request",
}


def record_representative(
    state: CaseState, cmd: c.RecordRepresentative, now: datetime
) -> list[e.Event]:
    recorded = e.RepresentativeRecorded(
        at=now,
        by=cmd.by,
        kind=cmd.kind,
        name=cmd.name,
        contact=cmd.contact,
        verification_required=True,
    )
    # A new representative replaces the last: their verification task is no longer due.
    superseded = tuple(t.task_id for t in state.open_tasks if t.kind == "verify_representative")
    events: list[e.Event] = [recorded]
    if superseded:
        events.append(
            e.TasksCancelled(
                at=now, by=cmd.by, task_ids=superseded, reason="another representative recorded"
            )
        )
    due = now + timedelta(days=state.policy.representative_verification_days)
    note = f"verify the {cmd.kind.replace('_', ' ')}'s authority ({EVIDENCE_FOR[cmd.kind]})"
    # Numbered after the cancelled ones: tasks are numbered by how many the state holds.
    events.append(new_task(state, now, cmd.by, "verify_representative", due, note))
    return events


def verify_representative(
    state: CaseState, cmd: c.VerifyRepresentative, now: datetime
) -> list[e.Event]:
    rep = state.representative
    if rep is None:
        raise DomainError("representative", "no appointee, attorney or deputy is recorded")
    expected = EVIDENCE_FOR.get(rep.kind)
    if expected is not None and cmd.evidence != expected:
        raise DomainError(
            "evidence",
            f"a {rep.kind.replace('_', ' ')}'s authority is shown by {expected}, "
            f"not {cmd.evidence}",
        )
    today = business_date(now)
    if cmd.verified_on > today:
        raise DomainError("verified_on", f"cannot be in the future (today is {today})")
    events: list[e.Event] = [
        e.RepresentativeVerified(
            at=now,
            by=cmd.by,
            verified_on=cmd.verified_on,
            evidence=cmd.evidence,
            note=cmd.reference,
        )
    ]
    events += [
        e.TaskCompleted(
            at=now, by=cmd.by, task_id=t.task_id, outcome=f"authority verified: {cmd.evidence}"
        )
        for t in state.open_tasks
        if t.kind == "verify_representative"
    ]
    return events


def consent_needs_verified_representative(state: CaseState, command: object) -> None:
    """Refuses a decision needing consent while a representative recorded under the
    verification rule is unverified."""
    action = NEEDS_CONSENT.get(type(command))
    rep = state.representative
    if action is None or rep is None or not rep.verification_required or rep.verified:
        return
    raise DomainError(
        "representative",
        f"{action} needs the consent of the {rep.kind.replace('_', ' ')} acting for the "
        "resident, whose authority is not yet verified: record the evidence with "
        "verify_representative first",
    )
