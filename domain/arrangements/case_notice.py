"""What the case hears of its payment arrangement: a journal line, and the task it
opens, if any."""

from dataclasses import dataclass

from domain.arrangements import events as e
from domain.arrangements.model import ArrangementState
from domain.arrangements.progress import ArrangementProgress, ArrangementTask


@dataclass(frozen=True)
class CaseNotice(ArrangementProgress):
    """What the case hears: a journal line, and the task it opens, if any; with the
    progress it records (the forms, and on an outcome what was decided)."""

    kind: str
    text: str
    task: ArrangementTask | None = None
    escalate: bool = False


def notice_for(state: ArrangementState, ev: e.ArrangementEvent) -> CaseNotice | None:
    what = f"{state.kind.upper()} request {state.arrangement_id}"
    match ev:
        case e.Submitted():
            window = state.objection_window_ends
            return CaseNotice(
                "arrangement_submitted",
                f"{what} submitted (reference {ev.reference}, form "
                f"{ev.form_sha256[:12]}"
                + (f", APA1 pack {ev.pack_sha256[:12]} kept" if ev.pack_sha256 else "")
                + f"); the claimant may object until {window}",
                form_sha256=ev.form_sha256 or None,
                form_path=ev.form_path or None,
                pack_sha256=ev.pack_sha256 or None,
                pack_path=ev.pack_path or None,
            )
        case e.SubmissionFailed():
            return CaseNotice(
                "arrangement_failed",
                f"{what} could not be submitted: {ev.reason}. Nothing reached DWP; "
                "check the case details and request it again",
                task="arrangement_follow_up",
                escalate=True,
            )
        case e.Stopped():
            return None  # the case stopped it and has journalled why
        case e.Objected():
            return CaseNotice(
                "arrangement_objected",
                f"{what}: the claimant objected on "
                f"{ev.objected_on.isoformat()}; it will not take effect",
            )
        case e.ObjectionWindowClosed():
            return CaseNotice(
                "arrangement_awaiting", f"{what}: objection window closed, awaiting DWP's outcome"
            )
        case e.Chased():
            return CaseNotice(
                "arrangement_chase", f"{what}: no outcome yet, chase DWP", task="arrangement_chase"
            )
        case e.OutcomeOverdue():
            return CaseNotice(
                "arrangement_overdue",
                f"{what}: still no outcome after {state.policy.escalate_days} days",
                task="arrangement_follow_up",
                escalate=True,
            )
        case e.Decided():
            extra = f", starting {ev.start_date.isoformat()}" if ev.start_date else ""
            rate = f" at {ev.deduction_rate}%" if ev.deduction_rate else ""
            return CaseNotice(
                "arrangement_outcome",
                f"{what} {ev.decision}{rate}{extra}",
                start_date=ev.start_date,
                granted_rate=ev.deduction_rate,
                review_dates=tuple(r.on for r in ev.reviews),
            )
        case e.ReviewDue():
            return CaseNotice(
                "arrangement_review",
                f"{what}: {ev.months}-month review due",
                task="arrangement_review",
            )
    return None
