"""evolve(state, event) -> state for a payment arrangement."""

from dataclasses import replace

from domain.arrangements import events as e
from domain.arrangements.model import ArrangementState
from domain.dates import business_date


def evolve(s: ArrangementState, ev: e.ArrangementEvent) -> ArrangementState:
    s = replace(s, version=s.version + 1)
    match ev:
        case e.Submitted():
            return replace(
                s,
                status="submitted",
                submitted_on=business_date(ev.at),
                submission_reference=ev.reference,
                form_sha256=ev.form_sha256 or None,
                form_path=ev.form_path or None,
                pack_sha256=ev.pack_sha256 or None,
                pack_path=ev.pack_path or None,
            )
        case e.SubmissionFailed():
            return replace(s, status="failed")
        case e.Stopped():
            return replace(s, status="ended" if s.status == "granted" else "withdrawn")
        case e.Objected():
            return replace(s, status="objected")
        case e.ObjectionWindowClosed():
            return replace(s, status="awaiting_outcome")
        case e.Chased():
            return replace(s, chased=True)
        case e.OutcomeOverdue():
            return replace(s, escalated=True)
        case e.Decided():
            return replace(
                s,
                status=ev.decision,
                decision=ev.decision,
                start_date=ev.start_date,
                deduction_rate=ev.deduction_rate,
                reviews=ev.reviews,
            )
        case e.ReviewDue():
            reviews = tuple(
                replace(r, reminded=True) if r.months == ev.months else r for r in s.reviews
            )
            return replace(s, reviews=reviews)
    raise TypeError(f"evolve: no rule for {type(ev).__name__}")
