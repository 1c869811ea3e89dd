"""What the IPR workflow hands its activities. No SQLAlchemy here: the workflow
sandbox imports this module. Everything in a projection is anonymised: the read
model never holds the customer's name, date of birth, NI number or address, nor
their reference in any text, so the publication built from it cannot leak them.
Rows are keyed by `ipr_id` (the workflow id, which carries DWP's IPR reference, and
its first run id) so they can be traced to the workflow; the publication never
prints it."""

from dataclasses import dataclass
from datetime import date

from domain.ipr.anonymise import ipr_identifiers, redactor
from domain.ipr.model import IprState
from domain.ipr.reporting import reporting_year


@dataclass(frozen=True)
class IprRow:
    ipr_id: str  # "<workflow id>/<first run id>"
    stage: str
    accepted: bool | None
    criteria: str  # "A", "B", "A,B" or ""
    external_scrutiny: bool
    scrutiny_kinds: tuple[str, ...]
    service_lines: tuple[str, ...]
    learning_identified: bool | None
    referred_on: date
    closed_on: date | None
    reporting_year: str | None
    activities_total: int
    activities_overdue: int
    version: int
    # The line of each finding; `service_lines` are the case's primary lines only.
    finding_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class NarrativeRow:
    kind: str  # learning, activity, outcome
    seq: int  # order within its kind on the IPR
    service_line: str
    text: str  # anonymised


@dataclass(frozen=True)
class ActivityRow:
    activity_id: str  # "activity-<n>": the IPR's reference is not kept
    service_line: str
    description: str  # anonymised
    due_on: date
    status: str
    escalations: int
    assured_on: date | None


@dataclass(frozen=True)
class IprProjection:
    row: IprRow
    narratives: tuple[NarrativeRow, ...]
    activities: tuple[ActivityRow, ...]


def ipr_projection(ipr_id: str, state: IprState) -> IprProjection:
    # The customer, the references, the referrer and everyone the referral named
    # (docs/privacy.md#redaction), compiled once for the record's texts.
    clean = redactor(ipr_identifiers(state, ipr_id))

    decision = state.screening.decision if state.screening else None
    closed = state.closed_on if state.stage == "closed" else None
    row = IprRow(
        ipr_id=ipr_id,
        stage=state.stage,
        accepted=state.accepted,
        criteria=",".join(decision.criteria) if decision else "",
        external_scrutiny=bool(state.external_scrutiny),
        scrutiny_kinds=tuple(state.external_scrutiny),
        service_lines=tuple(state.service_lines),
        learning_identified=state.learning_identified,
        referred_on=state.referred_on,
        closed_on=state.closed_on,
        # Only completed reviews count in a reporting year (not accepted ones never ran).
        reporting_year=reporting_year(closed) if closed else None,
        activities_total=len(state.activities),
        activities_overdue=state.overdue_activities,
        version=state.version,
        finding_lines=state.finding_lines,
    )
    narratives = (
        *(
            NarrativeRow("learning", n, x.service_line, clean(x.text))
            for n, x in enumerate(state.learning, 1)
        ),
        *(
            NarrativeRow("activity", n, a.service_line, clean(a.description))
            for n, a in enumerate(state.activities, 1)
        ),
        *(
            NarrativeRow("outcome", n, o.service_line, clean(o.text))
            for n, o in enumerate(state.outcomes, 1)
        ),
    )
    activities = tuple(
        ActivityRow(
            activity_id=f"activity-{n}",
            service_line=a.service_line,
            description=clean(a.description),
            due_on=a.due_on,
            status=a.status,
            escalations=a.escalations,
            assured_on=a.assured_on,
        )
        for n, a in enumerate(state.activities, 1)
    )
    return IprProjection(row=row, narratives=narratives, activities=activities)


@dataclass(frozen=True)
class FeedbackRequest:
    """The referrer's feedback when the criteria are not met; the case is shared with
    the ACSSL list too. `ipr_id` keys both, so a retry writes nothing twice."""

    ipr_id: str
    reference: str
    referrer_name: str
    referrer_email: str
    referred_on: date
    decided_on: date
    reasons: tuple[str, ...]
    service_lines: tuple[str, ...]


@dataclass(frozen=True)
class FeedbackResult:
    feedback_path: str
    created: bool
